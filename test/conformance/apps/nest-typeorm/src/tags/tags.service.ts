import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, Repository } from 'typeorm';
import { CreateTagDto } from './dto/create-tag.dto';
import { Tag } from './entities/tag.entity';

@Injectable()
export class TagsService {
  constructor(@InjectRepository(Tag) private readonly tags: Repository<Tag>) {}

  create(dto: CreateTagDto) {
    return this.tags.save(this.tags.create(dto));
  }

  async findAll() {
    const tags = await this.tags.find({ order: { name: 'ASC' } });
    return { tags: tags.map((tag) => tag.name) };
  }

  byNames(names: string[]) {
    return this.tags.findBy({ name: In(names) });
  }
}
