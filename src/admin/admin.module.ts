import { Module } from '@nestjs/common';
import { FontsModule } from '../fonts/fonts.module';
import { JobsModule } from '../jobs/jobs.module';
import { SystemModule } from '../system/system.module';
import { AdminController } from './admin.controller';

/** Server-rendered admin pages at /admin (templates in views/, assets in public/admin/). */
@Module({
  imports: [JobsModule, FontsModule, SystemModule],
  controllers: [AdminController],
})
export class AdminModule {}
