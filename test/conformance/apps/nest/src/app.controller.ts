import { Controller, Get } from '@nestjs/common';
import { AppService } from './app.service';

@Controller()
export class AppController {
  constructor(private readonly appService: AppService) {}

  @Get()
  getHello(): { route: string; service: string } {
    return { route: 'route-1', service: this.appService.getHello() };
  }
}
