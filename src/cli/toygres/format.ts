/** Colors for instance states and health in `durox instance …` output. */
import type { ChalkInstance } from 'chalk';

export function stateText(c: ChalkInstance, state: string): string {
  switch (state) {
    case 'running':
      return c.green(state);
    case 'failed':
      return c.red(state);
    case 'creating':
      return c.cyan(state);
    case 'deleting':
      return c.yellow(state);
    default:
      return c.gray(state);
  }
}

export function healthText(c: ChalkInstance, health: string): string {
  if (health === 'healthy') return c.green(health);
  if (health === 'unhealthy') return c.red(health);
  return c.gray(health);
}
