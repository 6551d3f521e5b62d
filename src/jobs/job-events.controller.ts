import { Controller, Get, Param, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { CurrentPrincipal, type Principal } from '../auth/principal';
import { JobEventsService } from './job-events.service';

@ApiTags('jobs')
@Controller('jobs')
export class JobEventsController {
  constructor(private readonly events: JobEventsService) {}

  @Get(':job_id/events')
  @ApiOperation({ summary: "A job's progress as Server-Sent Events (status events, then done)" })
  @ApiProduces('text/event-stream')
  async stream(@Param('job_id') jobId: string, @CurrentPrincipal() principal: Principal, @Req() req: Request, @Res() res: Response): Promise<void> {
    await this.events.stream(jobId, principal, req, res);
  }
}
