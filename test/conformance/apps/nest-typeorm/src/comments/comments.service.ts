import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { CreateCommentDto } from './dto/create-comment.dto';
import { Comment } from './entities/comment.entity';

@Injectable()
export class CommentsService {
  constructor(@InjectRepository(Comment) private readonly comments: Repository<Comment>) {}

  async create(dto: CreateCommentDto) {
    const saved = await this.comments.save(this.comments.create({ body: dto.body, article: { id: dto.articleId }, author: { id: dto.authorId } }));
    return { id: saved.id };
  }

  async forArticle(articleId: number) {
    const comments = await this.comments.find({ where: { article: { id: articleId } }, relations: { author: true }, order: { id: 'ASC' } });
    return { comments: comments.map((comment) => ({ id: comment.id, body: comment.body, author: comment.author.username })) };
  }
}
