import { Injectable, NotFoundException } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { TagsService } from '../tags/tags.service';
import { CreateArticleDto } from './dto/create-article.dto';
import { Article } from './entities/article.entity';

@Injectable()
export class ArticlesService {
  constructor(
    @InjectRepository(Article) private readonly articles: Repository<Article>,
    private readonly tagsService: TagsService,
  ) {}

  async create(dto: CreateArticleDto) {
    const tags = await this.tagsService.byNames(dto.tags ?? []);
    const saved = await this.articles.save(this.articles.create({ title: dto.title, body: dto.body, author: { id: dto.authorId }, tags }));
    return { id: saved.id, title: saved.title };
  }

  async findAll() {
    const articles = await this.articles.find({ relations: { author: true, tags: true }, order: { id: 'ASC' } });
    return {
      articles: articles.map((article) => ({ id: article.id, title: article.title, author: article.author.username, tagList: article.tags.map((tag) => tag.name) })),
      articlesCount: articles.length,
    };
  }

  async findOne(id: number) {
    const article = await this.articles.findOne({ where: { id }, relations: { author: true, comments: true, tags: true } });
    if (!article) throw new NotFoundException(`Article #${id} not found`);
    return { id: article.id, title: article.title, body: article.body, author: article.author.username, comments: article.comments.length, tagList: article.tags.map((tag) => tag.name) };
  }
}
