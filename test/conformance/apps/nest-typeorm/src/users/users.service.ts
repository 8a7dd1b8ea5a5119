import { Injectable, NotFoundException } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { CreateUserDto } from './dto/create-user.dto';
import { User } from './entities/user.entity';

@Injectable()
export class UsersService {
  constructor(@InjectRepository(User) private readonly users: Repository<User>) {}

  create(dto: CreateUserDto) {
    return this.users.save(this.users.create(dto));
  }

  findAll() {
    return this.users.find({ order: { id: 'ASC' } });
  }

  async findOne(id: number) {
    const user = await this.users.findOne({ where: { id }, relations: { articles: true } });
    if (!user) throw new NotFoundException(`User #${id} not found`);
    return { ...user, articleCount: user.articles.length };
  }
}
