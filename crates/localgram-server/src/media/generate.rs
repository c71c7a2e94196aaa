//! Files Localgram makes up for records the world gave no file: real JPEG, PNG and MP4 bytes,
//! derived only from the id, so they are the same on every instance and every run, and differ
//! from one id to the next. They are never stored (they can always be made again).
//!
//! | Kind | Bytes |
//! | --- | --- |
//! | [`Kind::Image`] | JPEG, 640×640: a gradient with soft discs in colours drawn from the id's hash, the id written in block digits |
//! | [`Kind::Video`] | MP4 (H.264 Constrained Baseline, see [`super::h264`]), 320×320, 20 frames at 10 fps (2 s): the same kind of picture, a progress bar filling along the bottom |
//! | [`Kind::Thumbnail`] | JPEG, 640×640: the video's picture with a play sign |
//! | [`Kind::Profile`] | PNG, 320×320: a symmetric 5×5 identicon |

use super::h264::{self, Yuv420};
use image::ImageEncoder as _;

/// What to make.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// An IMAGE media file.
    Image,
    /// A VIDEO media file.
    Video,
    /// A VIDEO's thumbnail.
    Thumbnail,
    /// A profile picture.
    Profile,
}

/// Side of a generated image.
pub const IMAGE_SIZE: u32 = 640;
/// Side of a generated profile picture.
pub const PROFILE_SIZE: u32 = 320;
/// Side of a generated video.
pub const VIDEO_SIZE: u32 = 320;
/// Frames of a generated video.
pub const VIDEO_FRAMES: usize = 20;
/// Frame rate of a generated video.
pub const VIDEO_FPS: u32 = 10;
/// JPEG quality of generated images.
const JPEG_QUALITY: u8 = 85;

/// The bytes of `kind` for `id`.
pub fn generate(kind: Kind, id: &str) -> Vec<u8> {
    match kind {
        Kind::Image => jpeg(&Canvas::pattern(id, IMAGE_SIZE)),
        Kind::Thumbnail => {
            let mut c = Canvas::pattern(id, IMAGE_SIZE);
            c.play_sign();
            jpeg(&c)
        }
        Kind::Profile => png(&Canvas::identicon(id, PROFILE_SIZE)),
        Kind::Video => video(id),
    }
}

/// A deterministic stream of numbers from an id: FNV-1a of the id seeds SplitMix64.
struct Seed(u64);

impl Seed {
    fn new(id: &str) -> Self {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in id.bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        Self(h)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in [0, 1).
    fn unit(&mut self) -> f32 {
        (self.next() >> 40) as f32 / (1u64 << 24) as f32
    }

    fn range(&mut self, lo: f32, hi: f32) -> f32 {
        lo + (hi - lo) * self.unit()
    }
}

type Rgb = [f32; 3];

fn hsv(h: f32, s: f32, v: f32) -> Rgb {
    let h = h.rem_euclid(1.0) * 6.0;
    let i = h.floor();
    let f = h - i;
    let (p, q, t) = (v * (1.0 - s), v * (1.0 - s * f), v * (1.0 - s * (1.0 - f)));
    let (r, g, b) = match i as u32 {
        0 => (v, t, p),
        1 => (q, v, p),
        2 => (p, v, t),
        3 => (p, q, v),
        4 => (t, p, v),
        _ => (v, p, q),
    };
    [r * 255.0, g * 255.0, b * 255.0]
}

fn mix(a: Rgb, b: Rgb, t: f32) -> Rgb {
    [
        a[0] + (b[0] - a[0]) * t,
        a[1] + (b[1] - a[1]) * t,
        a[2] + (b[2] - a[2]) * t,
    ]
}

/// 3×5 block digits, one row per entry, bit 2 the leftmost column.
const DIGITS: [[u8; 5]; 10] = [
    [0b111, 0b101, 0b101, 0b101, 0b111],
    [0b010, 0b110, 0b010, 0b010, 0b111],
    [0b111, 0b001, 0b111, 0b100, 0b111],
    [0b111, 0b001, 0b111, 0b001, 0b111],
    [0b101, 0b101, 0b111, 0b001, 0b001],
    [0b111, 0b100, 0b111, 0b001, 0b111],
    [0b111, 0b100, 0b111, 0b101, 0b111],
    [0b111, 0b001, 0b010, 0b010, 0b010],
    [0b111, 0b101, 0b111, 0b101, 0b111],
    [0b111, 0b101, 0b111, 0b001, 0b111],
];

/// An RGB picture being drawn, in floating point.
struct Canvas {
    w: usize,
    h: usize,
    px: Vec<Rgb>,
}

impl Canvas {
    fn filled(w: usize, h: usize, c: Rgb) -> Self {
        Self {
            w,
            h,
            px: vec![c; w * h],
        }
    }

    /// Blends `c` at opacity `a` over the rectangle (clipped).
    fn rect(&mut self, x0: i64, y0: i64, x1: i64, y1: i64, c: Rgb, a: f32) {
        let (x0, x1) = (
            x0.clamp(0, self.w as i64) as usize,
            x1.clamp(0, self.w as i64) as usize,
        );
        let (y0, y1) = (
            y0.clamp(0, self.h as i64) as usize,
            y1.clamp(0, self.h as i64) as usize,
        );
        for y in y0..y1 {
            for x in x0..x1 {
                let p = &mut self.px[y * self.w + x];
                *p = mix(*p, c, a);
            }
        }
    }

    /// The media picture of `id`: a two-colour gradient at an angle, three soft discs, the id.
    fn pattern(id: &str, size: u32) -> Self {
        let mut s = Seed::new(id);
        let (w, h) = (size as usize, size as usize);
        let hue = s.unit();
        let c1 = hsv(hue, s.range(0.55, 0.85), s.range(0.75, 0.95));
        let c2 = hsv(
            hue + s.range(0.25, 0.55),
            s.range(0.55, 0.85),
            s.range(0.45, 0.7),
        );
        let disc = hsv(hue + 0.5, 0.25, 1.0);
        let angle = s.range(0.0, std::f32::consts::TAU);
        let (ca, sa) = (angle.cos(), angle.sin());
        let span = ca.abs() + sa.abs();
        let discs: Vec<(f32, f32, f32)> = (0..3)
            .map(|_| (s.unit(), s.unit(), s.range(0.08, 0.28)))
            .collect();
        let mut c = Self::filled(w, h, [0.0; 3]);
        for y in 0..h {
            let fy = (y as f32 + 0.5) / h as f32;
            for x in 0..w {
                let fx = (x as f32 + 0.5) / w as f32;
                let t = 0.5 + ((fx - 0.5) * ca + (fy - 0.5) * sa) / span;
                let mut p = mix(c1, c2, t);
                for &(cx, cy, r) in &discs {
                    let d = ((fx - cx).powi(2) + (fy - cy).powi(2)).sqrt();
                    // Opacity 0.35 inside, fading to 0 over the last 15% of the radius.
                    let a = (((r - d) / (0.15 * r)).clamp(0.0, 1.0)) * 0.35;
                    p = mix(p, disc, a);
                }
                c.px[y * w + x] = p;
            }
        }
        c.text(id);
        c
    }

    /// Writes the digits of `text` in blocks across the lower part, with a shadow.
    fn text(&mut self, text: &str) {
        let digits: Vec<usize> = text
            .bytes()
            .filter(u8::is_ascii_digit)
            .map(|b| usize::from(b - b'0'))
            .collect();
        if digits.is_empty() {
            return;
        }
        let cells = digits.len() * 4 - 1;
        let cell = ((self.w * 85 / 100) / cells).clamp(1, self.w / 24 + 1) as i64;
        let x0 = (self.w as i64 - cells as i64 * cell) / 2;
        let y0 = self.h as i64 * 78 / 100;
        let shadow = (cell / 2).max(1);
        for (color, alpha, offset) in [([0.0; 3], 0.35, shadow), ([255.0; 3], 0.92, 0)] {
            for (i, &d) in digits.iter().enumerate() {
                for (row, bits) in DIGITS[d].iter().enumerate() {
                    for col in 0..3 {
                        if bits & (0b100 >> col) != 0 {
                            let x = x0 + (i as i64 * 4 + col) * cell + offset;
                            let y = y0 + row as i64 * cell + offset;
                            self.rect(x, y, x + cell, y + cell, color, alpha);
                        }
                    }
                }
            }
        }
    }

    /// A white play triangle in a dark disc, centred.
    fn play_sign(&mut self) {
        let (w, h) = (self.w as f32, self.h as f32);
        let (cx, cy, r) = (w / 2.0, h / 2.0, w.min(h) * 0.16);
        for y in 0..self.h {
            for x in 0..self.w {
                let (dx, dy) = (x as f32 + 0.5 - cx, y as f32 + 0.5 - cy);
                let p = &mut self.px[y * self.w + x];
                if dx * dx + dy * dy <= r * r {
                    *p = mix(*p, [0.0; 3], 0.45);
                    // Triangle pointing right: x in [-0.35r, 0.55r], |y| <= half height shrinking.
                    let u = (dx + 0.35 * r) / (0.9 * r);
                    if (0.0..=1.0).contains(&u) && dy.abs() <= 0.5 * r * (1.0 - u) {
                        *p = mix(*p, [255.0; 3], 0.95);
                    }
                }
            }
        }
    }

    /// The profile picture of `id`: a pale ground and a mirrored 5×5 grid of blocks.
    fn identicon(id: &str, size: u32) -> Self {
        let mut s = Seed::new(id);
        let hue = s.unit();
        let fg = hsv(hue, s.range(0.5, 0.75), s.range(0.55, 0.8));
        let bg = hsv(hue, 0.12, 0.97);
        let n = size as usize;
        let mut c = Self::filled(n, n, bg);
        let cell = n / 6;
        let margin = ((n - cell * 5) / 2) as i64;
        let mut bits = s.next();
        let mut any = false;
        for row in 0..5i64 {
            for col in 0..3i64 {
                let on = bits & 1 == 1;
                bits >>= 1;
                any |= on;
                if on || (!any && row == 4 && col == 2) {
                    for cc in [col, 4 - col] {
                        let (x, y) = (margin + cc * cell as i64, margin + row * cell as i64);
                        c.rect(x, y, x + cell as i64, y + cell as i64, fg, 1.0);
                    }
                }
            }
        }
        c
    }

    fn rgb8(&self) -> Vec<u8> {
        self.px
            .iter()
            .flat_map(|p| p.map(|v| v.round().clamp(0.0, 255.0) as u8))
            .collect()
    }
}

fn jpeg(c: &Canvas) -> Vec<u8> {
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, JPEG_QUALITY)
        .write_image(
            &c.rgb8(),
            c.w as u32,
            c.h as u32,
            image::ExtendedColorType::Rgb8,
        )
        .expect("encoding a JPEG into memory cannot fail");
    out
}

fn png(c: &Canvas) -> Vec<u8> {
    let mut out = Vec::new();
    image::codecs::png::PngEncoder::new(&mut out)
        .write_image(
            &c.rgb8(),
            c.w as u32,
            c.h as u32,
            image::ExtendedColorType::Rgb8,
        )
        .expect("encoding a PNG into memory cannot fail");
    out
}

/// The frames of the video of `id`.
fn video_frames(id: &str) -> Vec<Yuv420> {
    let base = Canvas::pattern(id, VIDEO_SIZE);
    let n = VIDEO_SIZE as i64;
    let bar = 16i64; // one macroblock row, so each frame changes one macroblock
    let step = n / VIDEO_FRAMES as i64;
    let mut frame = base;
    (0..VIDEO_FRAMES as i64)
        .map(|f| {
            frame.rect(f * step, n - bar, (f + 1) * step, n, [255.0; 3], 0.8);
            Yuv420::from_rgb(frame.w, frame.h, &frame.rgb8())
        })
        .collect()
}

fn video(id: &str) -> Vec<u8> {
    super::mp4::write_h264(&h264::encode(&video_frames(id)), VIDEO_FPS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_are_real_jpegs_of_the_stated_size() {
        let bytes = generate(Kind::Image, "17895695668004550");
        assert_eq!(
            localgram_core::sniff::content_type(&bytes),
            Some("image/jpeg")
        );
        let img = image::load_from_memory_with_format(&bytes, image::ImageFormat::Jpeg).unwrap();
        assert_eq!((img.width(), img.height()), (640, 640));
        let thumb = generate(Kind::Thumbnail, "17895695668004550");
        let img = image::load_from_memory(&thumb).unwrap();
        assert_eq!((img.width(), img.height()), (640, 640));
    }

    #[test]
    fn profile_pictures_are_real_pngs() {
        let bytes = generate(Kind::Profile, "17841405793187218");
        assert_eq!(
            localgram_core::sniff::content_type(&bytes),
            Some("image/png")
        );
        let img = image::load_from_memory_with_format(&bytes, image::ImageFormat::Png).unwrap();
        assert_eq!((img.width(), img.height()), (320, 320));
    }

    #[test]
    fn the_same_id_gives_the_same_bytes_and_ids_differ() {
        for kind in [Kind::Image, Kind::Profile, Kind::Thumbnail] {
            let a = generate(kind, "17895695668004550");
            assert_eq!(a, generate(kind, "17895695668004550"), "{kind:?}");
            assert_ne!(a, generate(kind, "17895695668004551"), "{kind:?}");
        }
        // Neighbouring ids differ in colour, not only in the written digits.
        let a = image::load_from_memory(&generate(Kind::Image, "100"))
            .unwrap()
            .to_rgb8();
        let b = image::load_from_memory(&generate(Kind::Image, "101"))
            .unwrap()
            .to_rgb8();
        let diff = a
            .get_pixel(5, 5)
            .0
            .iter()
            .zip(b.get_pixel(5, 5).0)
            .map(|(x, y)| x.abs_diff(y) as u32)
            .sum::<u32>();
        assert!(diff > 20, "corner colours too close: {diff}");
    }

    #[test]
    fn videos_are_two_second_h264_mp4s_that_decode_to_their_frames() {
        let id = "17880997618081621";
        let bytes = generate(Kind::Video, id);
        assert_eq!(bytes, generate(Kind::Video, id));
        assert_ne!(bytes, generate(Kind::Video, "17880997618081622"));
        assert_eq!(
            localgram_core::sniff::content_type(&bytes),
            Some("video/mp4")
        );
        let info = super::super::mp4::inspect(&bytes).unwrap();
        assert_eq!(info.top_level, vec!["ftyp", "moov", "mdat"]);
        let t = &info.tracks[0];
        assert_eq!(
            (t.codec.as_str(), t.width, t.height, t.samples),
            ("avc1", 320, 320, 20)
        );
        assert_eq!(t.duration * 1000 / u64::from(t.timescale), 2000);
        // Decode every sample and compare with the frames drawn.
        let frames = video_frames(id);
        let avcc = t.avcc.as_ref().unwrap();
        let sps_len = u16::from_be_bytes([avcc[6], avcc[7]]) as usize;
        let sps = h264::decode::parse_sps(&avcc[8..8 + sps_len]);
        let mut at = t.chunk_offsets[0] as usize;
        let mut previous = None;
        for (n, &size) in t.sample_sizes.iter().enumerate() {
            let nal = &bytes[at + 4..at + size as usize];
            let pic = h264::decode::decode_picture(&sps, nal, n as u32, previous.as_ref());
            assert!(pic == frames[n], "frame {n} differs");
            previous = Some(pic);
            at += size as usize;
        }
        assert!(bytes.len() < 200_000, "{} bytes", bytes.len());
        // The progress bar changes one macroblock per frame.
        assert!(
            t.sample_sizes[1..].iter().all(|&s| s < 1_000),
            "{:?}",
            t.sample_sizes
        );
    }

    /// An independent check where FFmpeg is installed: its decoder gives back our frames exactly.
    #[test]
    fn ffmpeg_decodes_the_video_to_the_frames_drawn() {
        use std::process::{Command, Stdio};
        if Command::new("ffmpeg")
            .arg("-version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_err()
        {
            println!("skipped: ffmpeg not installed");
            return;
        }
        let id = "17880997618081621";
        let path = std::env::temp_dir().join(format!("localgram_video_{}.mp4", std::process::id()));
        std::fs::write(&path, generate(Kind::Video, id)).unwrap();
        let out = Command::new("ffmpeg")
            .args(["-v", "error", "-xerror", "-i"])
            .arg(&path)
            .args(["-f", "rawvideo", "-pix_fmt", "yuv420p", "-"])
            .output()
            .unwrap();
        let _ = std::fs::remove_file(&path);
        assert!(
            out.status.success(),
            "ffmpeg: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            out.stderr.is_empty(),
            "ffmpeg complained: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let frames = video_frames(id);
        let expected: Vec<u8> = frames
            .iter()
            .flat_map(|f| [f.y.as_slice(), &f.cb, &f.cr].concat())
            .collect();
        assert_eq!(
            out.stdout.len(),
            expected.len(),
            "frame count or size differs"
        );
        assert!(out.stdout == expected, "decoded samples differ");
    }
}
