import { Body, Controller, Get, ParseIntPipe, Post, Query } from '@nestjs/common';
import { CommentsService } from './comments.service';
import { CreateCommentDto } from './dto/create-comment.dto';

@Controller('comments')
export class CommentsController {
  constructor(private readonly commentsService: CommentsService) {}

  @Post()
  create(@Body() dto: CreateCommentDto) {
    return this.commentsService.create(dto);
  }

  @Get()
  forArticle(@Query('articleId', ParseIntPipe) articleId: number) {
    return this.commentsService.forArticle(articleId);
  }
}
