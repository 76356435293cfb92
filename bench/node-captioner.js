// The course's captioner, for `make bench` to time beside back/api/draw.py: the same steps
// as addCaptionToImage in joellord/k8s-course (back/index.js, services/gif-captionizer),
// with the same npm packages, written again here (the course's file is not copied).
//
//   NODE_PATH=<node_modules with jimp, gif-frames, gifencoder, png-file-stream, image-size> \
//     node bench/node-captioner.js GIF CAPTION COUNT [files|memory]
//
// files (the course's way): the GIF's size from image-size, every frame out of gif-frames as a JPEG file, read by jimp,
//   copied to a second JPEG, read again, the caption printed in FONT_SANS_64_WHITE at the
//   bottom, written as a PNG; then the PNGs, in order, through gifencoder (10 fps, loop).
// memory: the same packages and drawing, the frames kept in memory (no files) and the font
//   loaded once: the least these packages need for a caption.
// Prints one line of JSON: {"captions", "seconds", "frames", "bytes"}; one caption before
// the clock starts (jimp loads its font, V8 compiles).
"use strict";

const fs = require("fs");
const os = require("os");
const path = require("path");
const gifFrames = require("gif-frames");
const GIFEncoder = require("gifencoder");
const imageSize = require("image-size");
const jimp = require("jimp");
const pngFileStream = require("png-file-stream");

const FPS = 10;

function finished(stream) {
  return new Promise((resolve, reject) => {
    stream.on("finish", resolve);
    stream.on("error", reject);
  });
}

function collect(stream) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    stream.on("data", (chunk) => chunks.push(chunk));
    stream.on("end", () => resolve(Buffer.concat(chunks)));
    stream.on("error", reject);
  });
}

// The course's text box: its width less 20 pixels, 20 high, at the bottom, centred. The
// course loads the font for every frame; font, when given, is loaded once.
async function print(picture, caption, font) {
  font = font || (await jimp.loadFont(jimp.FONT_SANS_64_WHITE));
  const { width, height } = picture.bitmap;
  return picture.print(
    font,
    0,
    height - 20,
    {
      text: caption.toUpperCase(),
      alignmentX: jimp.HORIZONTAL_ALIGN_CENTER,
      alignmentY: jimp.VERTICAL_ALIGN_BOTTOM,
    },
    width - 20,
    20,
  );
}

async function captionThroughFiles(gif, caption, folder) {
  const frames = await gifFrames({ url: gif, frames: "all", outputType: "jpg", cumulative: true });
  const names = await Promise.all(
    frames.map(async (frame) => {
      const name = path.join(folder, `frame-${String(frame.frameIndex).padStart(3, "0")}.jpg`);
      await finished(frame.getImage().pipe(fs.createWriteStream(name)));
      return name;
    }),
  );
  await Promise.all(
    names.map(async (name) => {
      const active = name.replace(".jpg", "-active.jpg");
      await (await jimp.read(name)).clone().writeAsync(active);
      const picture = await print(await jimp.read(active), caption);
      await picture.quality(100).writeAsync(name.replace(".jpg", "-caption.png"));
    }),
  );
  const { width, height } = imageSize(gif);
  const encoder = new GIFEncoder(width, height, { highWaterMark: 100 * 1024 * 1024 });
  const out = path.join(folder, "captioned.gif");
  await finished(
    pngFileStream(path.join(folder, "frame-???-caption.png"))
      .pipe(encoder.createWriteStream({ repeat: 0, delay: 1000 / FPS, quality: 10 }))
      .pipe(fs.createWriteStream(out)),
  );
  return { frames: frames.length, bytes: fs.statSync(out).size };
}

async function captionInMemory(gif, caption) {
  const frames = await gifFrames({ url: gif, frames: "all", outputType: "jpg", cumulative: true });
  const font = await jimp.loadFont(jimp.FONT_SANS_64_WHITE);
  const pictures = await Promise.all(
    frames.map(async (frame) =>
      print(await jimp.read(await collect(frame.getImage())), caption, font),
    ),
  );
  const { width, height } = pictures[0].bitmap;
  const encoder = new GIFEncoder(width, height);
  const gifData = collect(encoder.createReadStream());
  encoder.start();
  encoder.setRepeat(0);
  encoder.setDelay(1000 / FPS);
  encoder.setQuality(10);
  for (const picture of pictures) encoder.addFrame(picture.bitmap.data);
  encoder.finish();
  return { frames: frames.length, bytes: (await gifData).length };
}

async function main() {
  const [gif, caption, count, way = "files"] = process.argv.slice(2);
  if (!gif || !caption || !(Number(count) > 0) || !["files", "memory"].includes(way)) {
    console.error("usage: node node-captioner.js GIF CAPTION COUNT [files|memory]");
    process.exit(2);
  }
  const once = async () => {
    if (way === "memory") return captionInMemory(gif, caption);
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), "node-captioner-"));
    try {
      return await captionThroughFiles(gif, caption, folder);
    } finally {
      fs.rmSync(folder, { recursive: true, force: true });
    }
  };
  await once();
  const started = process.hrtime.bigint();
  let last;
  for (let i = 0; i < Number(count); i++) last = await once();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  console.log(JSON.stringify({ captions: Number(count), seconds, ...last }));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
