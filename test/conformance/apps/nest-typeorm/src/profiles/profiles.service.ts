import { Injectable, NotFoundException } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { CreateProfileDto } from './dto/create-profile.dto';
import { Profile } from './entities/profile.entity';

@Injectable()
export class ProfilesService {
  constructor(@InjectRepository(Profile) private readonly profiles: Repository<Profile>) {}

  create(dto: CreateProfileDto) {
    return this.profiles.save(this.profiles.create({ bio: dto.bio, user: { id: dto.userId } }));
  }

  async forUser(userId: number) {
    const profile = await this.profiles.findOne({ where: { user: { id: userId } }, relations: { user: true } });
    if (!profile) throw new NotFoundException(`no profile for user #${userId}`);
    return { username: profile.user.username, bio: profile.bio, following: false };
  }
}
