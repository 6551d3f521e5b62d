import { AdModule } from '../ad/ad.module';
import { MiddlewareConsumer, Module, NestModule, RequestMethod } from '@nestjs/common';
import { AdminAuthMiddleware } from './admin-auth.middleware';
import { AdminLoginController } from './admin-login.controller';
import { FontsModule } from '../fonts/fonts.module';
import { JobsModule } from '../jobs/jobs.module';
import { SystemModule } from '../system/system.module';
import { AdminController } from './admin.controller';
import { AdminLayersController } from './admin-layers.controller';
import { LayersModule } from '../layers/layers.module';
import { HomepageModule } from '../homepage/homepage.module';
import { AdminHomepageController } from './admin-homepage.controller';

/** Server-rendered admin pages at /admin (templates in views/, assets in public/admin/). */
@Module({
  imports: [JobsModule, AdModule, FontsModule, SystemModule, LayersModule, HomepageModule],
  // AdminController last: it ends with a catch-all for its 404 pages.
  controllers: [AdminLoginController, AdminLayersController, AdminHomepageController, AdminController],
  providers: [AdminAuthMiddleware],
})
export class AdminModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer
      .apply(AdminAuthMiddleware)
      .exclude({ path: 'admin/login', method: RequestMethod.ALL }, { path: 'admin/logout', method: RequestMethod.POST })
      .forRoutes(AdminLayersController, AdminHomepageController, AdminController);
  }
}
