import type { Columns } from './columns';

/**
 * Paints a lane's per-pixel busy columns as pixels (ImageData) rather than one fillRect each: a
 * zoomed-out lane has a column in every pixel, and thousands of small anti-aliased rectangles
 * cost more to rasterise than writing the pixels and blitting them once.
 */
export class ColumnPainter {
  private canvas = document.createElement('canvas');
  private ctx = this.canvas.getContext('2d');
  private image: ImageData | null = null;
  private pixels = new Uint32Array(0);
  private colours = new Map<string, number>();

  /**
   * Draws the columns at css y `y`, `height` css px tall, bottom-aligned: the compute share in
   * `computeColour(col)`, above it the unpickle share, above that the rest (the result).
   */
  paint(
    target: CanvasRenderingContext2D,
    y: number,
    height: number,
    dpr: number,
    cols: Columns,
    computeColour: (col: number) => string,
    unpickleColour: string,
    resultColour: string,
  ): void {
    if (!this.ctx) return;
    const { busy, comp, unp } = cols;
    const W = cols.width;
    const Wd = Math.max(1, Math.round(W * dpr));
    const Hd = Math.max(1, Math.round(height * dpr));
    if (!this.image || this.image.width !== Wd || this.image.height !== Hd) {
      this.canvas.width = Wd;
      this.canvas.height = Hd;
      this.image = this.ctx.createImageData(Wd, Hd);
      this.pixels = new Uint32Array(this.image.data.buffer);
    }
    const px = this.pixels;
    px.fill(0);
    const unpickle = this.rgba(unpickleColour);
    const result = this.rgba(resultColour);
    for (let col = 0; col < W; col++) {
      const u = busy[col];
      if (u <= 0) continue;
      // Heights in device rows: the whole column, then its compute and unpickle parts.
      const h = Math.max(1, Math.round(Math.min(1, u) * Hd));
      const hc = Math.round((h * Math.min(u, comp[col])) / u);
      const hu = Math.min(h - hc, Math.round((h * unp[col]) / u));
      const c = hc > 0 ? this.rgba(computeColour(col)) : 0;
      const x0 = Math.floor(col * dpr);
      const x1 = Math.max(x0 + 1, Math.floor((col + 1) * dpr));
      for (let row = Hd - h; row < Hd; row++) {
        const colour = row >= Hd - hc ? c : row >= Hd - hc - hu ? unpickle : result;
        const base = row * Wd;
        for (let x = x0; x < x1 && x < Wd; x++) px[base + x] = colour;
      }
    }
    this.ctx.putImageData(this.image as ImageData, 0, 0);
    target.drawImage(this.canvas, 0, 0, Wd, Hd, 0, y, W, height);
  }

  /** A CSS colour as the 32-bit pixel value of this machine's ImageData (byte order RGBA). */
  private rgba(css: string): number {
    let v = this.colours.get(css);
    if (v !== undefined) return v;
    const probe = document.createElement('canvas').getContext('2d', { willReadFrequently: true });
    if (!probe) return 0;
    probe.fillStyle = css;
    probe.fillRect(0, 0, 1, 1);
    v = new Uint32Array(probe.getImageData(0, 0, 1, 1).data.buffer)[0];
    this.colours.set(css, v);
    return v;
  }
}
