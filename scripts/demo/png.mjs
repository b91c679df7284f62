// Tiny PNG pictures for the simulated customers' "photos": a product-ish shape on a soft
// gradient, generated with node:zlib only (no image library), a few hundred bytes each.
import { deflateSync } from 'node:zlib';

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(buffer) {
  let c = 0xffffffff;
  for (const byte of buffer) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

const PALETTES = [
  { from: [224, 242, 241], to: [153, 214, 206], shape: [15, 118, 110] }, // teal
  { from: [254, 243, 199], to: [252, 211, 77], shape: [180, 83, 9] }, // amber
  { from: [237, 233, 254], to: [196, 181, 253], shape: [91, 33, 182] }, // violet
  { from: [254, 226, 226], to: [252, 165, 165], shape: [153, 27, 27] }, // red
  { from: [224, 231, 255], to: [165, 180, 252], shape: [55, 48, 163] }, // indigo
];

/** A `width`×`height` RGB PNG: a vertical gradient with a rounded "product" box and a shadow. */
export function productPhoto(seed = Math.floor(Math.random() * 1000), width = 240, height = 180) {
  const p = PALETTES[seed % PALETTES.length];
  const box = { x0: width * 0.3, x1: width * 0.7, y0: height * 0.22, y1: height * 0.72, r: 14 };
  const raw = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    const row = y * (width * 3 + 1);
    raw[row] = 0; // filter: none
    const t = y / (height - 1);
    for (let x = 0; x < width; x++) {
      let rgb = p.from.map((f, i) => Math.round(f + (p.to[i] - f) * t));
      const inBox = insideRounded(x, y, box);
      const shadow = !inBox && insideRounded(x - 6, y - 6, box);
      const floor = y > height * 0.78 && y < height * 0.8 && x > width * 0.2 && x < width * 0.8;
      if (shadow || floor) rgb = rgb.map((v) => Math.round(v * 0.82));
      if (inBox) {
        const shade = 1 - ((x - box.x0) / (box.x1 - box.x0)) * 0.25;
        rgb = p.shape.map((v) => Math.min(255, Math.round(v * shade + 20)));
        if (Math.abs(y - (box.y0 + (box.y1 - box.y0) * 0.35)) < 3) rgb = [250, 250, 250];
      }
      raw.set(rgb, row + 1 + x * 3);
    }
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // colour type: RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

function insideRounded(x, y, b) {
  if (x < b.x0 || x > b.x1 || y < b.y0 || y > b.y1) return false;
  const cx = Math.min(Math.max(x, b.x0 + b.r), b.x1 - b.r);
  const cy = Math.min(Math.max(y, b.y0 + b.r), b.y1 - b.r);
  return (x - cx) ** 2 + (y - cy) ** 2 <= b.r ** 2;
}
