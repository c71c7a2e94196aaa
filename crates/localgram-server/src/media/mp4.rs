//! ISO base media files (MP4, ISO/IEC 14496-12 and -15): a writer for one H.264 video track, the
//! `moov` box first ("fast start", so players start before the end arrives), and a reader that
//! checks a file's box structure and tells what it holds (uploads, tests).

use super::h264::Sequence;

fn push_box(out: &mut Vec<u8>, kind: &[u8; 4], body: &[u8]) {
    let size = u32::try_from(body.len() + 8).expect("box larger than 4 GiB");
    out.extend_from_slice(&size.to_be_bytes());
    out.extend_from_slice(kind);
    out.extend_from_slice(body);
}

fn boxed(kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len() + 8);
    push_box(&mut out, kind, body);
    out
}

/// A full box: version and flags, then the body.
fn full_box(kind: &[u8; 4], version: u8, flags: u32, body: &[u8]) -> Vec<u8> {
    let mut b = Vec::with_capacity(body.len() + 4);
    b.push(version);
    b.extend_from_slice(&flags.to_be_bytes()[1..]);
    b.extend_from_slice(body);
    boxed(kind, &b)
}

fn concat(parts: &[Vec<u8>]) -> Vec<u8> {
    parts.concat()
}

/// The unity matrix of `mvhd` and `tkhd`.
const MATRIX: [u32; 9] = [0x0001_0000, 0, 0, 0, 0x0001_0000, 0, 0, 0, 0x4000_0000];

fn be32s(values: &[u32]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_be_bytes()).collect()
}

/// Movie timescale (`mvhd`): milliseconds.
const MOVIE_TIMESCALE: u32 = 1000;
/// Media timescale (`mdhd`).
const MEDIA_TIMESCALE: u32 = 12_800;

/// Writes a video-only MP4 of `seq` at `fps` pictures per second (a divisor of 12 800).
pub fn write_h264(seq: &Sequence, fps: u32) -> Vec<u8> {
    assert!(fps > 0 && MEDIA_TIMESCALE.is_multiple_of(fps));
    let delta = MEDIA_TIMESCALE / fps;
    let n = seq.pictures.len() as u32;
    let media_duration = delta * n;
    let movie_duration = (u64::from(media_duration) * u64::from(MOVIE_TIMESCALE)
        / u64::from(MEDIA_TIMESCALE)) as u32;
    let (w, h) = (seq.width as u32, seq.height as u32);

    // Samples: each picture's NAL unit behind a 4-byte length.
    let samples: Vec<Vec<u8>> = seq
        .pictures
        .iter()
        .map(|nal| {
            let mut s = Vec::with_capacity(nal.len() + 4);
            s.extend_from_slice(&(nal.len() as u32).to_be_bytes());
            s.extend_from_slice(nal);
            s
        })
        .collect();

    let mut ftyp = b"isom".to_vec();
    ftyp.extend_from_slice(&512u32.to_be_bytes());
    for brand in [b"isom", b"iso2", b"avc1", b"mp41"] {
        ftyp.extend_from_slice(brand);
    }
    let ftyp = boxed(b"ftyp", &ftyp);

    let moov = |chunk_offset: u32| -> Vec<u8> {
        let mvhd = full_box(
            b"mvhd",
            0,
            0,
            &concat(&[
                be32s(&[0, 0, MOVIE_TIMESCALE, movie_duration, 0x0001_0000]),
                vec![0x01, 0x00, 0, 0], // volume 1.0, reserved
                vec![0; 8],             // reserved
                be32s(&MATRIX),         //
                vec![0; 24],            // pre_defined
                be32s(&[2]),            // next_track_ID
            ]),
        );
        let tkhd = full_box(
            b"tkhd",
            0,
            3, // enabled, in movie
            &concat(&[
                be32s(&[0, 0, 1, 0, movie_duration, 0, 0]),
                vec![0; 8], // layer, alternate_group, volume (video: 0), reserved
                be32s(&MATRIX),
                be32s(&[w << 16, h << 16]),
            ]),
        );
        let mdhd = full_box(
            b"mdhd",
            0,
            0,
            &concat(&[
                be32s(&[0, 0, MEDIA_TIMESCALE, media_duration]),
                vec![0x55, 0xC4, 0, 0],
            ]), // language "und"
        );
        let hdlr = full_box(
            b"hdlr",
            0,
            0,
            &concat(&[
                be32s(&[0]),
                b"vide".to_vec(),
                vec![0; 12],
                b"VideoHandler\0".to_vec(),
            ]),
        );
        let vmhd = full_box(b"vmhd", 0, 1, &[0; 8]);
        let dref = full_box(
            b"dref",
            0,
            0,
            &concat(&[be32s(&[1]), full_box(b"url ", 0, 1, &[])]),
        );
        let dinf = boxed(b"dinf", &dref);

        let mut avcc = vec![1, seq.sps[1], seq.sps[2], seq.sps[3], 0xFF, 0xE1];
        avcc.extend_from_slice(&(seq.sps.len() as u16).to_be_bytes());
        avcc.extend_from_slice(&seq.sps);
        avcc.push(1);
        avcc.extend_from_slice(&(seq.pps.len() as u16).to_be_bytes());
        avcc.extend_from_slice(&seq.pps);
        let mut compressor = [0u8; 32];
        let name = b"Localgram placeholder";
        compressor[0] = name.len() as u8;
        compressor[1..=name.len()].copy_from_slice(name);
        let avc1 = boxed(
            b"avc1",
            &concat(&[
                vec![0; 6],
                vec![0, 1], // data_reference_index
                vec![0; 16],
                vec![(w >> 8) as u8, w as u8, (h >> 8) as u8, h as u8],
                be32s(&[0x0048_0000, 0x0048_0000, 0]),
                vec![0, 1], // frame_count
                compressor.to_vec(),
                vec![0x00, 0x18, 0xFF, 0xFF], // depth 24, pre_defined -1
                boxed(b"avcC", &avcc),
            ]),
        );
        let stsd = full_box(b"stsd", 0, 0, &concat(&[be32s(&[1]), avc1]));
        let stts = full_box(b"stts", 0, 0, &be32s(&[1, n, delta]));
        let stss = full_box(b"stss", 0, 0, &be32s(&[1, 1]));
        let stsc = full_box(b"stsc", 0, 0, &be32s(&[1, 1, n, 1]));
        let mut sizes = vec![0, n];
        sizes.extend(samples.iter().map(|s| s.len() as u32));
        let stsz = full_box(b"stsz", 0, 0, &be32s(&sizes));
        let stco = full_box(b"stco", 0, 0, &be32s(&[1, chunk_offset]));
        let stbl = boxed(b"stbl", &concat(&[stsd, stts, stss, stsc, stsz, stco]));
        let minf = boxed(b"minf", &concat(&[vmhd, dinf, stbl]));
        let mdia = boxed(b"mdia", &concat(&[mdhd, hdlr, minf]));
        let trak = boxed(b"trak", &concat(&[tkhd, mdia]));
        boxed(b"moov", &concat(&[mvhd, trak]))
    };

    let moov_len = moov(0).len();
    let chunk_offset = u32::try_from(ftyp.len() + moov_len + 8).expect("file too large");
    let mdat_body = samples.concat();
    let mut out = Vec::with_capacity(chunk_offset as usize + mdat_body.len());
    out.extend_from_slice(&ftyp);
    out.extend_from_slice(&moov(chunk_offset));
    push_box(&mut out, b"mdat", &mdat_body);
    out
}

/// Why bytes are not a well-formed MP4.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a well-formed MP4 file: {0}")]
pub struct Mp4Error(pub String);

/// A box: its type and where its body lies in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BoxRef {
    /// The four-character type.
    pub kind: [u8; 4],
    /// Offset of the box header.
    pub start: usize,
    /// Offset of the body.
    pub body: usize,
    /// Offset just past the box.
    pub end: usize,
}

/// The boxes tiling `data[from..to]` exactly; an error if one overruns or is too small.
pub fn boxes(data: &[u8], from: usize, to: usize) -> Result<Vec<BoxRef>, Mp4Error> {
    let err = |m: String| Err(Mp4Error(m));
    let mut out = Vec::new();
    let mut pos = from;
    while pos < to {
        if to - pos < 8 {
            return err(format!("{} stray bytes at offset {pos}", to - pos));
        }
        let size32 = u32::from_be_bytes(data[pos..pos + 4].try_into().unwrap_or_default());
        let kind: [u8; 4] = data[pos + 4..pos + 8].try_into().unwrap_or_default();
        let (size, header) = match size32 {
            0 => (to - pos, 8),
            1 => {
                if to - pos < 16 {
                    return err(format!("truncated large box header at offset {pos}"));
                }
                let large =
                    u64::from_be_bytes(data[pos + 8..pos + 16].try_into().unwrap_or_default());
                (usize::try_from(large).unwrap_or(usize::MAX), 16)
            }
            n => (n as usize, 8),
        };
        if size < header || size > to - pos {
            return err(format!(
                "box {:?} at offset {pos} has size {size}, outside its parent",
                String::from_utf8_lossy(&kind)
            ));
        }
        out.push(BoxRef {
            kind,
            start: pos,
            body: pos + header,
            end: pos + size,
        });
        pos += size;
    }
    Ok(out)
}

/// One track of an MP4.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackInfo {
    /// `hdlr` handler type: `vide`, `soun`, …
    pub handler: String,
    /// The sample entry type: `avc1`, `hvc1`, `mp4a`, …
    pub codec: String,
    /// Visual sample entry width (0 for non-visual tracks).
    pub width: u32,
    /// Visual sample entry height.
    pub height: u32,
    /// `mdhd` timescale.
    pub timescale: u32,
    /// `mdhd` duration, in `timescale` units.
    pub duration: u64,
    /// Sample count (`stsz`).
    pub samples: u32,
    /// Sample sizes (`stsz`), when listed one by one.
    pub sample_sizes: Vec<u32>,
    /// Chunk offsets (`stco` / `co64`).
    pub chunk_offsets: Vec<u64>,
    /// The `avcC` record, for H.264 tracks.
    pub avcc: Option<Vec<u8>>,
}

/// What an MP4 holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mp4Info {
    /// `ftyp` major brand.
    pub major_brand: String,
    /// The top-level box types, in order.
    pub top_level: Vec<String>,
    /// Tracks, in order.
    pub tracks: Vec<TrackInfo>,
}

fn path(data: &[u8], from: &BoxRef, kinds: &[&[u8; 4]]) -> Result<BoxRef, Mp4Error> {
    let mut cur = from.clone();
    for kind in kinds {
        cur = boxes(data, cur.body, cur.end)?
            .into_iter()
            .find(|b| &b.kind == *kind)
            .ok_or_else(|| {
                Mp4Error(format!("no {} box in {}", fourcc(*kind), fourcc(&cur.kind)))
            })?;
    }
    Ok(cur)
}

fn be32(data: &[u8], at: usize) -> Result<u32, Mp4Error> {
    data.get(at..at + 4)
        .map(|b| u32::from_be_bytes(b.try_into().unwrap_or_default()))
        .ok_or_else(|| Mp4Error(format!("truncated field at offset {at}")))
}

fn be64(data: &[u8], at: usize) -> Result<u64, Mp4Error> {
    data.get(at..at + 8)
        .map(|b| u64::from_be_bytes(b.try_into().unwrap_or_default()))
        .ok_or_else(|| Mp4Error(format!("truncated field at offset {at}")))
}

fn fourcc(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn track(data: &[u8], trak: &BoxRef) -> Result<TrackInfo, Mp4Error> {
    let mdia = path(data, trak, &[b"mdia"])?;
    let mdhd = path(data, &mdia, &[b"mdhd"])?;
    let version = *data
        .get(mdhd.body)
        .ok_or_else(|| Mp4Error("empty mdhd".into()))?;
    let (timescale, duration) = if version == 1 {
        (be32(data, mdhd.body + 20)?, be64(data, mdhd.body + 24)?)
    } else {
        (
            be32(data, mdhd.body + 12)?,
            u64::from(be32(data, mdhd.body + 16)?),
        )
    };
    let hdlr = path(data, &mdia, &[b"hdlr"])?;
    let handler = fourcc(
        data.get(hdlr.body + 8..hdlr.body + 12)
            .ok_or_else(|| Mp4Error("truncated hdlr".into()))?,
    );
    let stbl = path(data, &mdia, &[b"minf", b"stbl"])?;
    let stsd = path(data, &stbl, &[b"stsd"])?;
    let entries = boxes(data, stsd.body + 8, stsd.end)?;
    let entry = entries
        .first()
        .ok_or_else(|| Mp4Error("empty stsd".into()))?;
    let codec = fourcc(&entry.kind);
    let (mut width, mut height, mut avcc) = (0, 0, None);
    if handler == "vide" {
        let dims = be32(data, entry.body + 24)?;
        width = dims >> 16;
        height = dims & 0xFFFF;
        // A visual sample entry's fixed part is 78 bytes; boxes (avcC, pasp, …) follow.
        if entry.end >= entry.body + 78 {
            for b in boxes(data, entry.body + 78, entry.end)? {
                if &b.kind == b"avcC" {
                    avcc = Some(data[b.body..b.end].to_vec());
                }
            }
        }
    }
    let stsz = path(data, &stbl, &[b"stsz"])?;
    let uniform = be32(data, stsz.body + 4)?;
    let samples = be32(data, stsz.body + 8)?;
    let mut sample_sizes = Vec::new();
    if uniform == 0 {
        if stsz.end - (stsz.body + 12) != samples as usize * 4 {
            return Err(Mp4Error(
                "stsz sample count does not match its table".into(),
            ));
        }
        for i in 0..samples as usize {
            sample_sizes.push(be32(data, stsz.body + 12 + 4 * i)?);
        }
    }
    let mut chunk_offsets = Vec::new();
    let kids = boxes(data, stbl.body, stbl.end)?;
    if let Some(stco) = kids.iter().find(|b| &b.kind == b"stco") {
        let n = be32(data, stco.body + 4)? as usize;
        for i in 0..n {
            chunk_offsets.push(u64::from(be32(data, stco.body + 8 + 4 * i)?));
        }
    } else if let Some(co64) = kids.iter().find(|b| &b.kind == b"co64") {
        let n = be32(data, co64.body + 4)? as usize;
        for i in 0..n {
            chunk_offsets.push(be64(data, co64.body + 8 + 8 * i)?);
        }
    }
    Ok(TrackInfo {
        handler,
        codec,
        width,
        height,
        timescale,
        duration,
        samples,
        sample_sizes,
        chunk_offsets,
        avcc,
    })
}

/// Checks that `data` is a well-formed MP4: top-level boxes tile the file, `ftyp` comes first, a
/// `moov` with at least one track and media data (`mdat`, or fragments) are present. Returns what
/// it holds.
pub fn inspect(data: &[u8]) -> Result<Mp4Info, Mp4Error> {
    let top = boxes(data, 0, data.len())?;
    let first = top.first().ok_or_else(|| Mp4Error("empty file".into()))?;
    if &first.kind != b"ftyp" {
        return Err(Mp4Error("the first box is not ftyp".into()));
    }
    let major_brand = fourcc(
        data.get(first.body..first.body + 4)
            .ok_or_else(|| Mp4Error("truncated ftyp".into()))?,
    );
    let moov = top
        .iter()
        .find(|b| &b.kind == b"moov")
        .ok_or_else(|| Mp4Error("no moov box".into()))?;
    if !top.iter().any(|b| &b.kind == b"mdat" || &b.kind == b"moof") {
        return Err(Mp4Error("no media data (mdat)".into()));
    }
    let tracks = boxes(data, moov.body, moov.end)?
        .iter()
        .filter(|b| &b.kind == b"trak")
        .map(|t| track(data, t))
        .collect::<Result<Vec<_>, _>>()?;
    if tracks.is_empty() {
        return Err(Mp4Error("no track".into()));
    }
    Ok(Mp4Info {
        major_brand,
        top_level: top.iter().map(|b| fourcc(&b.kind)).collect(),
        tracks,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::media::h264::{self, Yuv420};

    fn sample_file() -> (Vec<Yuv420>, Vec<u8>) {
        let pics: Vec<Yuv420> = (0..3u8)
            .map(|k| {
                let rgb: Vec<u8> = (0..32 * 16 * 3)
                    .map(|i| if i / 3 % 32 < 16 { 40 } else { 90 + 50 * k })
                    .collect();
                Yuv420::from_rgb(32, 16, &rgb)
            })
            .collect();
        let file = write_h264(&h264::encode(&pics), 8);
        (pics, file)
    }

    #[test]
    fn the_written_file_is_fast_start_and_self_consistent() {
        let (pics, file) = sample_file();
        let info = inspect(&file).unwrap();
        assert_eq!(info.major_brand, "isom");
        assert_eq!(info.top_level, vec!["ftyp", "moov", "mdat"]);
        let t = &info.tracks[0];
        assert_eq!(
            (t.handler.as_str(), t.codec.as_str(), t.width, t.height),
            ("vide", "avc1", 32, 16)
        );
        assert_eq!((t.timescale, t.duration, t.samples), (12_800, 3 * 1600, 3));
        // The samples lie inside mdat, back to back, each exactly one length-prefixed NAL unit.
        let mdat = boxes(&file, 0, file.len())
            .unwrap()
            .into_iter()
            .find(|b| &b.kind == b"mdat")
            .unwrap();
        assert_eq!(t.chunk_offsets, vec![mdat.body as u64]);
        assert_eq!(
            t.sample_sizes.iter().map(|&s| s as usize).sum::<usize>(),
            mdat.end - mdat.body
        );
        let mut at = mdat.body;
        let seq_info = {
            let avcc = t.avcc.as_ref().unwrap();
            assert_eq!(&avcc[..6], &[1, 66, 0xC0, 30, 0xFF, 0xE1]);
            let sps_len = u16::from_be_bytes([avcc[6], avcc[7]]) as usize;
            let sps = &avcc[8..8 + sps_len];
            let rest = &avcc[8 + sps_len..];
            assert_eq!(rest[0], 1);
            let pps_len = u16::from_be_bytes([rest[1], rest[2]]) as usize;
            assert_eq!(rest.len(), 3 + pps_len);
            h264::decode::check_pps(&rest[3..]);
            h264::decode::parse_sps(sps)
        };
        let mut previous = None;
        for (n, size) in t.sample_sizes.iter().enumerate() {
            let sample = &file[at..at + *size as usize];
            let nal_len = u32::from_be_bytes(sample[..4].try_into().unwrap()) as usize;
            assert_eq!(nal_len + 4, sample.len());
            let pic =
                h264::decode::decode_picture(&seq_info, &sample[4..], n as u32, previous.as_ref());
            assert_eq!(pic, pics[n]);
            previous = Some(pic);
            at += *size as usize;
        }
    }

    #[test]
    fn malformed_files_are_refused() {
        let (_, file) = sample_file();
        assert!(inspect(&file[..file.len() - 1]).is_err(), "truncated");
        assert!(inspect(&file[8..]).is_err(), "no ftyp");
        let mut bad = file.clone();
        bad[3] = 0xFF; // ftyp size past its end
        assert!(inspect(&bad).is_err());
        let mut no_moov = file.clone();
        let moov_at = u32::from_be_bytes(file[..4].try_into().unwrap()) as usize;
        no_moov[moov_at + 4..moov_at + 8].copy_from_slice(b"free");
        assert_eq!(
            inspect(&no_moov).unwrap_err(),
            Mp4Error("no moov box".into())
        );
        assert!(inspect(b"").is_err());
    }
}
