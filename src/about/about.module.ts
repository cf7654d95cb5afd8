import { Module } from '@nestjs/common';
import { AboutResolver } from './about.resolver';

@Module({ providers: [AboutResolver] })
export class AboutModule {}
