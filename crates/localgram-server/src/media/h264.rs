//! A tiny, exact H.264 (ISO/IEC 14496-10) encoder for generated placeholder videos: Constrained
//! Baseline, CAVLC, one slice per picture, no deblocking.
//!
//! The first picture is an IDR whose macroblocks are all `I_PCM` (raw samples: lossless, no
//! transform or entropy coding to get wrong). Each later picture is a P picture that skips every
//! macroblock equal to the one at the same place in the previous picture and codes the others as
//! `I_PCM` again. A skipped macroblock with zero motion copies its reference exactly, and every
//! motion vector here is zero (a P_Skip's predicted vector is zero when its neighbours are skipped
//! with zero motion or intra), so decoding gives back exactly the pictures given, which the tests
//! check with a decoder of this subset.
//!
//! `I_PCM` is uncompressed (384 bytes per 16×16 macroblock in 4:2:0), which nominally exceeds the
//! levels' minimum compression ratio; decoders do not police that, and the pictures are small.

/// A picture in 8-bit 4:2:0 (limited range, BT.601), each dimension a multiple of 16.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Yuv420 {
    /// Width in samples.
    pub width: usize,
    /// Height in samples.
    pub height: usize,
    /// Luma, `width * height`, row-major.
    pub y: Vec<u8>,
    /// Cb, `width/2 * height/2`.
    pub cb: Vec<u8>,
    /// Cr, `width/2 * height/2`.
    pub cr: Vec<u8>,
}

impl Yuv420 {
    /// Converts interleaved 8-bit RGB (full range) to limited-range BT.601 4:2:0.
    pub fn from_rgb(width: usize, height: usize, rgb: &[u8]) -> Self {
        assert!(
            width.is_multiple_of(16) && height.is_multiple_of(16),
            "dimensions must be multiples of 16"
        );
        assert_eq!(rgb.len(), width * height * 3);
        let px = |x: usize, y: usize| {
            let i = (y * width + x) * 3;
            (
                f32::from(rgb[i]),
                f32::from(rgb[i + 1]),
                f32::from(rgb[i + 2]),
            )
        };
        let clamp = |v: f32, hi: f32| v.round().clamp(16.0, hi) as u8;
        let mut y = Vec::with_capacity(width * height);
        for row in 0..height {
            for col in 0..width {
                let (r, g, b) = px(col, row);
                y.push(clamp(16.0 + 0.257 * r + 0.504 * g + 0.098 * b, 235.0));
            }
        }
        let (cw, ch) = (width / 2, height / 2);
        let mut cb = Vec::with_capacity(cw * ch);
        let mut cr = Vec::with_capacity(cw * ch);
        for row in 0..ch {
            for col in 0..cw {
                let (mut r, mut g, mut b) = (0.0, 0.0, 0.0);
                for (dx, dy) in [(0, 0), (1, 0), (0, 1), (1, 1)] {
                    let (pr, pg, pb) = px(col * 2 + dx, row * 2 + dy);
                    r += pr / 4.0;
                    g += pg / 4.0;
                    b += pb / 4.0;
                }
                cb.push(clamp(128.0 - 0.148 * r - 0.291 * g + 0.439 * b, 240.0));
                cr.push(clamp(128.0 + 0.439 * r - 0.368 * g - 0.071 * b, 240.0));
            }
        }
        Self {
            width,
            height,
            y,
            cb,
            cr,
        }
    }

    fn mbs_wide(&self) -> usize {
        self.width / 16
    }

    fn mbs_high(&self) -> usize {
        self.height / 16
    }

    /// The 384 samples of macroblock (`mx`, `my`) in `I_PCM` order: 256 luma, 64 Cb, 64 Cr, each
    /// block in raster order.
    fn macroblock(&self, mx: usize, my: usize) -> Vec<u8> {
        let mut out = Vec::with_capacity(384);
        for row in 0..16 {
            let start = (my * 16 + row) * self.width + mx * 16;
            out.extend_from_slice(&self.y[start..start + 16]);
        }
        let cw = self.width / 2;
        for plane in [&self.cb, &self.cr] {
            for row in 0..8 {
                let start = (my * 8 + row) * cw + mx * 8;
                out.extend_from_slice(&plane[start..start + 8]);
            }
        }
        out
    }
}

/// `profile_idc`: Baseline.
pub const PROFILE_IDC: u8 = 66;
/// `constraint_set0_flag` and `constraint_set1_flag`: Constrained Baseline.
pub const CONSTRAINT_FLAGS: u8 = 0xC0;
/// `level_idc`: 3.0.
pub const LEVEL_IDC: u8 = 30;
/// `log2_max_frame_num_minus4` + 4: pictures after the IDR are numbered modulo 256.
const LOG2_MAX_FRAME_NUM: u32 = 8;
/// The most pictures one sequence may hold (one IDR, then P pictures numbered 1..=255).
pub const MAX_PICTURES: usize = 1 << LOG2_MAX_FRAME_NUM;

/// `mb_type` of `I_PCM` in an I slice; in a P slice it is 5 more.
const MB_TYPE_I_PCM: u32 = 25;

/// An MSB-first bit writer producing an RBSP.
#[derive(Debug, Default)]
pub struct BitWriter {
    bytes: Vec<u8>,
    acc: u8,
    nbits: u32,
}

impl BitWriter {
    /// Writes the low `n` bits of `value`, most significant first.
    pub fn bits(&mut self, n: u32, value: u32) {
        for i in (0..n).rev() {
            self.bit((value >> i) & 1 == 1);
        }
    }

    /// Writes one bit.
    pub fn bit(&mut self, b: bool) {
        self.acc = (self.acc << 1) | u8::from(b);
        self.nbits += 1;
        if self.nbits == 8 {
            self.bytes.push(self.acc);
            self.acc = 0;
            self.nbits = 0;
        }
    }

    /// `ue(v)`: unsigned Exp-Golomb.
    pub fn ue(&mut self, v: u32) {
        let x = u64::from(v) + 1;
        let len = 64 - x.leading_zeros();
        for _ in 0..len - 1 {
            self.bit(false);
        }
        for i in (0..len).rev() {
            self.bit((x >> i) & 1 == 1);
        }
    }

    /// `se(v)`: signed Exp-Golomb.
    pub fn se(&mut self, v: i32) {
        let k = if v > 0 {
            2 * v.unsigned_abs() - 1
        } else {
            2 * v.unsigned_abs()
        };
        self.ue(k);
    }

    /// Whether the writer is on a byte boundary.
    pub fn byte_aligned(&self) -> bool {
        self.nbits == 0
    }

    /// Appends whole bytes; the writer must be byte-aligned.
    pub fn bytes(&mut self, b: &[u8]) {
        debug_assert!(self.byte_aligned());
        self.bytes.extend_from_slice(b);
    }

    /// `rbsp_trailing_bits()`: a one bit, then zero bits to the byte boundary. Returns the RBSP.
    pub fn finish(mut self) -> Vec<u8> {
        self.bit(true);
        while !self.byte_aligned() {
            self.bit(false);
        }
        self.bytes
    }
}

/// A NAL unit: the one-byte header, then the RBSP with emulation prevention bytes inserted.
pub fn nal_unit(nal_ref_idc: u8, nal_unit_type: u8, rbsp: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(rbsp.len() + rbsp.len() / 64 + 2);
    out.push((nal_ref_idc << 5) | nal_unit_type);
    let mut zeros = 0;
    for &b in rbsp {
        if zeros >= 2 && b <= 3 {
            out.push(3);
            zeros = 0;
        }
        out.push(b);
        zeros = if b == 0 { zeros + 1 } else { 0 };
    }
    out
}

/// The sequence parameter set NAL unit for pictures of this size (in macroblocks).
pub fn sps(mbs_wide: usize, mbs_high: usize) -> Vec<u8> {
    let mut w = BitWriter::default();
    w.bits(8, u32::from(PROFILE_IDC));
    w.bits(8, u32::from(CONSTRAINT_FLAGS));
    w.bits(8, u32::from(LEVEL_IDC));
    w.ue(0); // seq_parameter_set_id
    w.ue(LOG2_MAX_FRAME_NUM - 4); // log2_max_frame_num_minus4
    w.ue(2); // pic_order_cnt_type: derived from frame_num (no reordering)
    w.ue(1); // max_num_ref_frames
    w.bit(false); // gaps_in_frame_num_value_allowed_flag
    w.ue(mbs_wide as u32 - 1); // pic_width_in_mbs_minus1
    w.ue(mbs_high as u32 - 1); // pic_height_in_map_units_minus1
    w.bit(true); // frame_mbs_only_flag
    w.bit(true); // direct_8x8_inference_flag
    w.bit(false); // frame_cropping_flag
    w.bit(false); // vui_parameters_present_flag
    nal_unit(3, 7, &w.finish())
}

/// The picture parameter set NAL unit.
pub fn pps() -> Vec<u8> {
    let mut w = BitWriter::default();
    w.ue(0); // pic_parameter_set_id
    w.ue(0); // seq_parameter_set_id
    w.bit(false); // entropy_coding_mode_flag: CAVLC
    w.bit(false); // bottom_field_pic_order_in_frame_present_flag
    w.ue(0); // num_slice_groups_minus1
    w.ue(0); // num_ref_idx_l0_default_active_minus1
    w.ue(0); // num_ref_idx_l1_default_active_minus1
    w.bit(false); // weighted_pred_flag
    w.bits(2, 0); // weighted_bipred_idc
    w.se(0); // pic_init_qp_minus26
    w.se(0); // pic_init_qs_minus26
    w.se(0); // chroma_qp_index_offset
    w.bit(true); // deblocking_filter_control_present_flag
    w.bit(false); // constrained_intra_pred_flag
    w.bit(false); // redundant_pic_cnt_present_flag
    nal_unit(3, 8, &w.finish())
}

fn pcm_macroblock(w: &mut BitWriter, mb_type: u32, samples: &[u8]) {
    w.ue(mb_type);
    while !w.byte_aligned() {
        w.bit(false); // pcm_alignment_zero_bit
    }
    w.bytes(samples);
}

/// The IDR picture: one I slice of `I_PCM` macroblocks.
pub fn idr_slice(picture: &Yuv420) -> Vec<u8> {
    let mut w = BitWriter::default();
    w.ue(0); // first_mb_in_slice
    w.ue(7); // slice_type: I (every slice of the picture)
    w.ue(0); // pic_parameter_set_id
    w.bits(LOG2_MAX_FRAME_NUM, 0); // frame_num
    w.ue(0); // idr_pic_id
    w.bit(false); // no_output_of_prior_pics_flag
    w.bit(false); // long_term_reference_flag
    w.se(0); // slice_qp_delta
    w.ue(1); // disable_deblocking_filter_idc: off
    for my in 0..picture.mbs_high() {
        for mx in 0..picture.mbs_wide() {
            pcm_macroblock(&mut w, MB_TYPE_I_PCM, &picture.macroblock(mx, my));
        }
    }
    nal_unit(3, 5, &w.finish())
}

/// A P picture numbered `frame_num` (1..=255): macroblocks equal to `previous`'s are skipped,
/// the others coded `I_PCM`.
pub fn p_slice(frame_num: u32, previous: &Yuv420, picture: &Yuv420) -> Vec<u8> {
    assert!((1..MAX_PICTURES as u32).contains(&frame_num));
    assert_eq!(
        (previous.width, previous.height),
        (picture.width, picture.height)
    );
    let mut w = BitWriter::default();
    w.ue(0); // first_mb_in_slice
    w.ue(5); // slice_type: P (every slice of the picture)
    w.ue(0); // pic_parameter_set_id
    w.bits(LOG2_MAX_FRAME_NUM, frame_num); // frame_num
    w.bit(false); // num_ref_idx_active_override_flag
    w.bit(false); // ref_pic_list_modification_flag_l0
    w.bit(false); // adaptive_ref_pic_marking_mode_flag: sliding window
    w.se(0); // slice_qp_delta
    w.ue(1); // disable_deblocking_filter_idc: off
    let mut skip_run = 0;
    for my in 0..picture.mbs_high() {
        for mx in 0..picture.mbs_wide() {
            let samples = picture.macroblock(mx, my);
            if samples == previous.macroblock(mx, my) {
                skip_run += 1;
                continue;
            }
            w.ue(skip_run); // mb_skip_run
            skip_run = 0;
            pcm_macroblock(&mut w, 5 + MB_TYPE_I_PCM, &samples);
        }
    }
    if skip_run > 0 {
        w.ue(skip_run);
    }
    nal_unit(2, 1, &w.finish())
}

/// An encoded sequence: the parameter sets (for the `avcC` box) and one slice NAL unit per
/// picture, the first an IDR.
#[derive(Debug, Clone)]
pub struct Sequence {
    /// Width in samples.
    pub width: usize,
    /// Height in samples.
    pub height: usize,
    /// The SPS NAL unit.
    pub sps: Vec<u8>,
    /// The PPS NAL unit.
    pub pps: Vec<u8>,
    /// One NAL unit per picture, in decoding (= display) order.
    pub pictures: Vec<Vec<u8>>,
}

/// Encodes pictures of one size (at least one, at most [`MAX_PICTURES`]).
pub fn encode(pictures: &[Yuv420]) -> Sequence {
    assert!(!pictures.is_empty() && pictures.len() <= MAX_PICTURES);
    let first = &pictures[0];
    let mut out = vec![idr_slice(first)];
    for (n, pair) in pictures.windows(2).enumerate() {
        out.push(p_slice(n as u32 + 1, &pair[0], &pair[1]));
    }
    Sequence {
        width: first.width,
        height: first.height,
        sps: sps(first.mbs_wide(), first.mbs_high()),
        pps: pps(),
        pictures: out,
    }
}

#[cfg(test)]
pub(crate) mod decode {
    //! A decoder of exactly the subset [`super`] writes (I_PCM and P_Skip, CAVLC), strict about
    //! every syntax element, to check the encoder bit for bit.

    use super::Yuv420;

    /// Removes emulation prevention bytes and splits off the NAL header.
    pub fn rbsp(nal: &[u8]) -> (u8, u8, Vec<u8>) {
        let header = nal[0];
        assert_eq!(header & 0x80, 0, "forbidden_zero_bit");
        let mut out = Vec::with_capacity(nal.len());
        let mut zeros = 0;
        for &b in &nal[1..] {
            if zeros >= 2 && b == 3 {
                zeros = 0;
                continue;
            }
            assert!(!(zeros >= 2 && b < 3), "start code emulation in a NAL unit");
            out.push(b);
            zeros = if b == 0 { zeros + 1 } else { 0 };
        }
        ((header >> 5) & 3, header & 31, out)
    }

    pub struct BitReader<'a> {
        data: &'a [u8],
        pos: usize,
    }

    impl<'a> BitReader<'a> {
        pub fn new(data: &'a [u8]) -> Self {
            Self { data, pos: 0 }
        }
        pub fn bit(&mut self) -> u32 {
            let b = (self.data[self.pos / 8] >> (7 - self.pos % 8)) & 1;
            self.pos += 1;
            u32::from(b)
        }
        pub fn bits(&mut self, n: u32) -> u32 {
            (0..n).fold(0, |acc, _| (acc << 1) | self.bit())
        }
        pub fn ue(&mut self) -> u32 {
            let mut zeros = 0;
            while self.bit() == 0 {
                zeros += 1;
                assert!(zeros < 32, "bad Exp-Golomb code");
            }
            (1 << zeros) - 1 + self.bits(zeros)
        }
        pub fn se(&mut self) -> i32 {
            let k = self.ue() as i32;
            if k % 2 == 1 { (k + 1) / 2 } else { -(k / 2) }
        }
        pub fn aligned(&self) -> bool {
            self.pos.is_multiple_of(8)
        }
        /// `more_rbsp_data()`: anything before the final stop bit.
        pub fn more_rbsp_data(&self) -> bool {
            let last_one = (0..self.data.len() * 8)
                .rev()
                .find(|&i| (self.data[i / 8] >> (7 - i % 8)) & 1 == 1)
                .expect("no rbsp_stop_one_bit");
            self.pos < last_one
        }
        /// Checks `rbsp_trailing_bits()` and that nothing follows.
        pub fn trailing(&mut self) {
            assert_eq!(self.bit(), 1, "rbsp_stop_one_bit");
            while !self.aligned() {
                assert_eq!(self.bit(), 0, "rbsp_alignment_zero_bit");
            }
            assert_eq!(
                self.pos,
                self.data.len() * 8,
                "bytes after the trailing bits"
            );
        }
    }

    /// What the SPS says.
    #[derive(Debug, PartialEq, Eq)]
    pub struct SpsInfo {
        pub profile_idc: u32,
        pub constraints: u32,
        pub level_idc: u32,
        pub log2_max_frame_num: u32,
        pub width: usize,
        pub height: usize,
    }

    pub fn parse_sps(nal: &[u8]) -> SpsInfo {
        let (ref_idc, kind, data) = rbsp(nal);
        assert_eq!((ref_idc, kind), (3, 7));
        let mut r = BitReader::new(&data);
        let profile_idc = r.bits(8);
        let constraints = r.bits(8);
        let level_idc = r.bits(8);
        assert_eq!(r.ue(), 0, "seq_parameter_set_id");
        let log2_max_frame_num = r.ue() + 4;
        assert_eq!(r.ue(), 2, "pic_order_cnt_type");
        assert_eq!(r.ue(), 1, "max_num_ref_frames");
        assert_eq!(r.bit(), 0, "gaps_in_frame_num_value_allowed_flag");
        let width = (r.ue() as usize + 1) * 16;
        let height = (r.ue() as usize + 1) * 16;
        assert_eq!(r.bit(), 1, "frame_mbs_only_flag");
        assert_eq!(r.bit(), 1, "direct_8x8_inference_flag");
        assert_eq!(r.bit(), 0, "frame_cropping_flag");
        assert_eq!(r.bit(), 0, "vui_parameters_present_flag");
        r.trailing();
        SpsInfo {
            profile_idc,
            constraints,
            level_idc,
            log2_max_frame_num,
            width,
            height,
        }
    }

    pub fn check_pps(nal: &[u8]) {
        let (ref_idc, kind, data) = rbsp(nal);
        assert_eq!((ref_idc, kind), (3, 8));
        let mut r = BitReader::new(&data);
        assert_eq!(r.ue(), 0);
        assert_eq!(r.ue(), 0);
        assert_eq!(r.bit(), 0, "CAVLC");
        assert_eq!(r.bit(), 0);
        assert_eq!(r.ue(), 0, "one slice group");
        assert_eq!((r.ue(), r.ue()), (0, 0));
        assert_eq!((r.bit(), r.bits(2)), (0, 0));
        assert_eq!((r.se(), r.se(), r.se()), (0, 0, 0));
        assert_eq!(r.bit(), 1, "deblocking_filter_control_present_flag");
        assert_eq!((r.bit(), r.bit()), (0, 0));
        r.trailing();
    }

    fn read_pcm(r: &mut BitReader<'_>, pic: &mut Yuv420, mx: usize, my: usize) {
        while !r.aligned() {
            assert_eq!(r.bit(), 0, "pcm_alignment_zero_bit");
        }
        let w = pic.width;
        for row in 0..16 {
            for col in 0..16 {
                pic.y[(my * 16 + row) * w + mx * 16 + col] = r.bits(8) as u8;
            }
        }
        for plane in [&mut pic.cb, &mut pic.cr] {
            for row in 0..8 {
                for col in 0..8 {
                    plane[(my * 8 + row) * (w / 2) + mx * 8 + col] = r.bits(8) as u8;
                }
            }
        }
    }

    /// Decodes one picture NAL unit given the previous picture (for P).
    pub fn decode_picture(
        sps: &SpsInfo,
        nal: &[u8],
        expected_frame_num: u32,
        previous: Option<&Yuv420>,
    ) -> Yuv420 {
        let (ref_idc, kind, data) = rbsp(nal);
        let mut r = BitReader::new(&data);
        assert_eq!(r.ue(), 0, "first_mb_in_slice");
        let slice_type = r.ue();
        assert_eq!(r.ue(), 0, "pic_parameter_set_id");
        let frame_num = r.bits(sps.log2_max_frame_num);
        assert_eq!(frame_num, expected_frame_num);
        let is_idr = kind == 5;
        if is_idr {
            assert_eq!((ref_idc, slice_type), (3, 7));
            assert_eq!(frame_num, 0);
            assert_eq!(r.ue(), 0, "idr_pic_id");
        } else {
            assert_eq!((ref_idc, kind, slice_type), (2, 1, 5));
            assert_eq!(r.bit(), 0, "num_ref_idx_active_override_flag");
            assert_eq!(r.bit(), 0, "ref_pic_list_modification_flag_l0");
        }
        if is_idr {
            assert_eq!((r.bit(), r.bit()), (0, 0));
        } else {
            assert_eq!(r.bit(), 0, "adaptive_ref_pic_marking_mode_flag");
        }
        assert_eq!(r.se(), 0, "slice_qp_delta");
        assert_eq!(r.ue(), 1, "disable_deblocking_filter_idc");
        let mut pic = match previous {
            Some(p) if !is_idr => p.clone(),
            _ => Yuv420 {
                width: sps.width,
                height: sps.height,
                y: vec![0; sps.width * sps.height],
                cb: vec![0; sps.width * sps.height / 4],
                cr: vec![0; sps.width * sps.height / 4],
            },
        };
        let (mw, total) = (sps.width / 16, sps.width * sps.height / 256);
        let mut addr = 0;
        loop {
            if !is_idr {
                addr += r.ue() as usize; // skipped macroblocks keep the reference's samples
                assert!(addr <= total, "mb_skip_run past the picture");
                if !r.more_rbsp_data() {
                    break;
                }
            }
            let mb_type = r.ue();
            assert_eq!(mb_type, if is_idr { 25 } else { 30 }, "only I_PCM is coded");
            read_pcm(&mut r, &mut pic, addr % mw, addr / mw);
            addr += 1;
            if !r.more_rbsp_data() {
                break;
            }
        }
        assert_eq!(addr, total, "the slice must cover the picture");
        r.trailing();
        pic
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn picture(w: usize, h: usize, seed: u8) -> Yuv420 {
        let rgb: Vec<u8> = (0..w * h * 3)
            .map(|i| (i as u8).wrapping_mul(seed))
            .collect();
        Yuv420::from_rgb(w, h, &rgb)
    }

    #[test]
    fn exp_golomb_codes_match_the_standard_table() {
        let mut w = BitWriter::default();
        for v in [0, 1, 2, 3, 7] {
            w.ue(v);
        }
        // 1 010 011 00100 0001000, then the stop bit and padding.
        assert_eq!(w.finish(), vec![0b1010_0110, 0b0100_0001, 0b0001_0000]);
        let mut w = BitWriter::default();
        for v in [1, -1, 2] {
            w.se(v);
        }
        // 010 011 00100, stop bit.
        assert_eq!(w.finish(), vec![0b0100_1100, 0b1001_0000]);
    }

    #[test]
    fn emulation_prevention_bytes_are_inserted() {
        assert_eq!(
            nal_unit(0, 1, &[0, 0, 1, 0, 0, 0, 0, 0, 4]),
            vec![1, 0, 0, 3, 1, 0, 0, 3, 0, 0, 3, 0, 4]
        );
        let (_, _, back) = decode::rbsp(&nal_unit(0, 1, &[0, 0, 1, 0, 0, 0, 0, 0, 4]));
        assert_eq!(back, vec![0, 0, 1, 0, 0, 0, 0, 0, 4]);
    }

    #[test]
    fn a_sequence_decodes_back_to_its_pictures_exactly() {
        let a = picture(48, 32, 3);
        let mut b = a.clone();
        b.y[20] = 200; // macroblock (1, 0)
        let mut c = b.clone();
        c.cr[15 * 24 + 23] = 17; // macroblock (2, 1), last of the picture
        let pictures = vec![a, b.clone(), b, c];
        let seq = encode(&pictures);
        let info = decode::parse_sps(&seq.sps);
        assert_eq!(
            (info.profile_idc, info.constraints, info.level_idc),
            (66, 0xC0, 30)
        );
        assert_eq!((info.width, info.height), (48, 32));
        decode::check_pps(&seq.pps);
        let mut previous: Option<Yuv420> = None;
        for (n, (nal, expected)) in seq.pictures.iter().zip(&pictures).enumerate() {
            let got = decode::decode_picture(&info, nal, n as u32, previous.as_ref());
            assert_eq!(&got, expected, "picture {n}");
            previous = Some(got);
        }
        assert!(
            seq.pictures[2].len() < 16,
            "an unchanged picture is all skips"
        );
    }
}
