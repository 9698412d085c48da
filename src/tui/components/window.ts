/** The first visible line of a list of `length` lines, `height` tall, keeping `cursor` in view. */
export function windowStart(cursor: number, length: number, height: number): number {
  if (length <= height) return 0;
  return Math.max(0, Math.min(cursor - Math.floor(height / 2), length - height));
}
