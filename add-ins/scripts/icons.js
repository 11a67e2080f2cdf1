#!/usr/bin/env node
/*
 * Draws the add-in's icon (a ring in the three verdict colours: send, review, hold) at every size
 * the manifest names, so high-DPI ribbons get a sharp image:
 *   node add-ins/scripts/icons.js   -> add-ins/outlook/src/assets/icon-<size>.png
 * No dependencies: 4x4 supersampling and a hand-written PNG encoder (zlib from Node).
 */
"use strict";

const fs = require("node:fs");
const path = require("node:path");
const zlib = require("node:zlib");

const SIZES = [16, 20, 24, 32, 40, 48, 64, 80, 128];
const OUT = path.join(__dirname, "..", "outlook", "src", "assets");
// Clockwise from twelve o'clock: the taskpane.css logo's conic-gradient.
const COLOURS = [[0x1a, 0x7f, 0x4b], [0x9a, 0x67, 0x00], [0xc0, 0x39, 0x2b]];
const INNER = 0.44; // hole radius as a share of the outer radius
const SS = 4;

function crc32(buf) {
  let c;
  let crc = 0xffffffff;
  for (let n = 0; n < buf.length; n++) {
    c = (crc ^ buf[n]) & 0xff;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    crc = (crc >>> 8) ^ c;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

function png(size, rgba) {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header[8] = 8; // bit depth
  header[9] = 6; // RGBA
  const raw = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) {
    raw[y * (size * 4 + 1)] = 0; // filter: none
    rgba.copy(raw, y * (size * 4 + 1) + 1, y * size * 4, (y + 1) * size * 4);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header),
    chunk("IDAT", zlib.deflateSync(raw, { level: 9 })),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

function draw(size) {
  const rgba = Buffer.alloc(size * size * 4);
  const r = size / 2;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const sum = [0, 0, 0];
      let hits = 0;
      for (let sy = 0; sy < SS; sy++) {
        for (let sx = 0; sx < SS; sx++) {
          const dx = x + (sx + 0.5) / SS - r;
          const dy = y + (sy + 0.5) / SS - r;
          const d = Math.hypot(dx, dy) / r;
          if (d > 1 || d < INNER) continue;
          const turn = ((Math.atan2(dx, -dy) / (2 * Math.PI)) + 1) % 1; // 0 at twelve, clockwise
          const c = COLOURS[Math.min(2, Math.floor(turn * 3))];
          sum[0] += c[0];
          sum[1] += c[1];
          sum[2] += c[2];
          hits += 1;
        }
      }
      const i = (y * size + x) * 4;
      if (hits) {
        rgba[i] = Math.round(sum[0] / hits);
        rgba[i + 1] = Math.round(sum[1] / hits);
        rgba[i + 2] = Math.round(sum[2] / hits);
        rgba[i + 3] = Math.round((255 * hits) / (SS * SS));
      }
    }
  }
  return png(size, rgba);
}

if (require.main === module) {
  for (const size of SIZES) {
    fs.writeFileSync(path.join(OUT, `icon-${size}.png`), draw(size));
    console.log(`icon-${size}.png`);
  }
}

module.exports = { SIZES, draw };
