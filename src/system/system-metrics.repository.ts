import { Injectable } from '@nestjs/common';
import { execFile } from 'node:child_process';
import * as os from 'node:os';
import type { GpuInfoDto, SystemMetricsDto } from './dto/system-metrics.dto';

const NVIDIA_QUERY = 'index,name,memory.used,memory.total,utilization.gpu';

/** Reads the machine: CPU and RAM from the OS, GPUs from nvidia-smi when it exists. */
@Injectable()
export class SystemMetricsRepository {
  private lastCpu = cpuTimes();
  private lastCpuPercent = 0;
  private gpuCache: { at: number; value: GpuInfoDto[] } | null = null;
  private nvidiaSmiMissing = false;
  private recent: { at: number; value: Promise<SystemMetricsDto> } | null = null;

  /** Every /status answer carries these; under hundreds of pollers one reading per half second is plenty. */
  read(): Promise<SystemMetricsDto> {
    if (!this.recent || Date.now() - this.recent.at > 500) this.recent = { at: Date.now(), value: this.measure() };
    return this.recent.value;
  }

  private async measure(): Promise<SystemMetricsDto> {
    const total = os.totalmem();
    const used = total - os.freemem();
    return {
      cpu_percent: round(this.cpuPercent(), 1),
      ram_used_gb: round(used / 2 ** 30, 2),
      ram_total_gb: round(total / 2 ** 30, 2),
      ram_percent: round((used / total) * 100, 1),
      process_rss_mb: round(process.memoryUsage.rss() / 2 ** 20, 1),
      gpu_info: await this.gpus(),
    };
  }

  /** CPU busy share since the previous call (or the last second's sample when called often). */
  private cpuPercent(): number {
    const now = cpuTimes();
    const idle = now.idle - this.lastCpu.idle;
    const all = now.total - this.lastCpu.total;
    if (all > 0) {
      this.lastCpuPercent = Math.max(0, Math.min(100, (1 - idle / all) * 100));
      this.lastCpu = now;
    }
    return this.lastCpuPercent;
  }

  /** nvidia-smi is slow (~50 ms), so its answer is cached for two seconds. */
  private async gpus(): Promise<GpuInfoDto[]> {
    if (this.nvidiaSmiMissing) return [];
    if (this.gpuCache && Date.now() - this.gpuCache.at < 2000) return this.gpuCache.value;
    const value = await new Promise<GpuInfoDto[]>((resolve) => {
      execFile('nvidia-smi', [`--query-gpu=${NVIDIA_QUERY}`, '--format=csv,noheader,nounits'], { timeout: 3000 }, (error, stdout) => {
        if (error) {
          if ((error as NodeJS.ErrnoException).code === 'ENOENT') this.nvidiaSmiMissing = true;
          resolve([]);
          return;
        }
        resolve(parseNvidiaSmi(stdout));
      });
    });
    this.gpuCache = { at: Date.now(), value };
    return value;
  }
}

export function parseNvidiaSmi(csv: string): GpuInfoDto[] {
  return csv
    .split('\n')
    .map((line) => line.split(',').map((c) => c.trim()))
    .filter((cols) => cols.length >= 5 && cols[0] !== '')
    .map(([index, name, used, total, util]) => {
      const usedMb = Number(used);
      const totalMb = Number(total);
      return {
        index: Number(index),
        name,
        vram_used_mb: usedMb,
        vram_total_mb: totalMb,
        vram_percent: totalMb ? round((usedMb / totalMb) * 100, 1) : 0,
        utilization: Number(util) || 0,
      };
    });
}

function cpuTimes(): { idle: number; total: number } {
  let idle = 0;
  let total = 0;
  for (const cpu of os.cpus()) {
    idle += cpu.times.idle;
    total += cpu.times.user + cpu.times.nice + cpu.times.sys + cpu.times.irq + cpu.times.idle;
  }
  return { idle, total };
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
