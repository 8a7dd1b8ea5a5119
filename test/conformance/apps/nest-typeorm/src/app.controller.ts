import { Controller, Get } from '@nestjs/common';

@Controller()
export class AppController {
  @Get()
  index() {
    return { name: 'blog', modules: ['users', 'profiles', 'articles', 'comments', 'tags'] };
  }
}
