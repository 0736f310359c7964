//! The trained intent model: multinomial logistic regression over hashed features of a
//! customer text, shipped as `data/intent_model.bin` and compiled into the binary.
//!
//! Features (all hashed with FNV-1a into 2^18 buckets):
//!
//! - character n-grams of 2–5 letters inside each normalised word, the word padded with
//!   `<` and `>` (so typos and endings still share most n-grams);
//! - word unigrams, stems ([`super::normalize::stem`]) and bigrams (numbers folded to
//!   `#`); words and n-grams are two blocks, each scaled to the same length;
//! - the channel, the rating, the channel with the rating, whether the text reads as a
//!   question;
//! - the rule classifier's score for every intent (lexicon cues with negation, see
//!   [`super::classify`]), so that the model backs the rules rather than forgetting them.
//!
//! Training ([`super::intent_train`]) is deterministic; the file stores, per hash bucket
//! that carries any weight, one 16-bit weight per intent and a scale per intent
//! (see [`Model::to_bytes`]). Loading is a single pass over the file.

use std::sync::OnceLock;

use super::classify::looks_like_question;
use super::intent::Intent;
use super::normalize::{stem, Token};
use crate::domain::Channel;

/// Hash buckets: 2^18.
pub const DIM_BITS: u32 = 18;
const DIM: usize = 1 << DIM_BITS;
const MAGIC: &[u8; 8] = b"AIQIM\x00\x02\x00";

/// The model compiled into the binary; empty only while bootstrapping a first training.
const SHIPPED: &[u8] = include_bytes!("../../data/intent_model.bin");

/// One hashed feature and its value.
pub type Feature = (u32, f32);

fn fnv1a(parts: &[&[u8]]) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for part in parts {
        for b in *part {
            h ^= u32::from(*b);
            h = h.wrapping_mul(0x0100_0193);
        }
        // A separator so that ("ab","c") and ("a","bc") differ.
        h ^= 0xff;
        h = h.wrapping_mul(0x0100_0193);
    }
    h
}

fn bucket(parts: &[&[u8]]) -> u32 {
    fnv1a(parts) & (DIM as u32 - 1)
}

fn word_form(norm: &str) -> &str {
    if !norm.is_empty() && norm.chars().all(|c| c.is_ascii_digit()) {
        "#"
    } else {
        norm
    }
}

/// The features of one text, given its tokens and the rule scores of
/// [`super::classify::rule_scores`].
pub fn features(
    channel: Channel,
    stars: Option<u8>,
    text: &str,
    tokens: &[Token],
    rule_scores: &[(Intent, f32, Vec<String>)],
) -> Vec<Feature> {
    // Words (unigrams, stems, bigrams) and character n-grams are two blocks, each scaled
    // to unit length, so that the many n-grams of a long word do not drown the words.
    let mut words: Vec<u32> = Vec::with_capacity(tokens.len() * 3);
    let mut grams: Vec<u32> = Vec::with_capacity(tokens.len() * 16);
    let mut padded: Vec<char> = Vec::with_capacity(32);
    let mut buf = [0u8; 4 * 6];
    for (i, t) in tokens.iter().enumerate() {
        let w = word_form(&t.norm);
        words.push(bucket(&[b"w", w.as_bytes()]));
        if let Some(next) = tokens.get(i + 1) {
            words.push(bucket(&[
                b"b",
                w.as_bytes(),
                word_form(&next.norm).as_bytes(),
            ]));
        }
        if w == "#" {
            continue;
        }
        words.push(bucket(&[b"s", stem(w).as_bytes()]));
        padded.clear();
        padded.push('<');
        padded.extend(w.chars().take(24));
        padded.push('>');
        for n in 2..=5 {
            if padded.len() < n {
                break;
            }
            for win in padded.windows(n) {
                let mut len = 0;
                for c in win {
                    len += c.encode_utf8(&mut buf[len..]).len();
                }
                grams.push(bucket(&[b"c", &buf[..len]]));
            }
        }
    }
    let mut out: Vec<Feature> = Vec::with_capacity(words.len() + grams.len() + 24);
    append_unit(&mut out, words, BLOCK_WEIGHT);
    append_unit(&mut out, grams, BLOCK_WEIGHT);
    let ch = channel.as_str().as_bytes();
    let rating = stars.map_or(*b"-", |s| [b'0' + s.min(9)]);
    out.push((bucket(&[b"bias"]), 1.0));
    out.push((bucket(&[b"ch", ch]), 1.0));
    out.push((bucket(&[b"r", &rating]), 1.0));
    out.push((bucket(&[b"chr", ch, &rating]), 1.0));
    if looks_like_question(text, tokens) {
        out.push((bucket(&[b"q", ch]), 1.0));
    }
    for (i, (intent, score, _)) in rule_scores.iter().enumerate() {
        if *score <= 0.0 {
            continue;
        }
        let name = intent.as_str().as_bytes();
        out.push((bucket(&[b"rule", name]), score.min(6.0) / 3.0));
        if i == 0 && *score >= 1.5 {
            out.push((bucket(&[b"rule1", name]), 1.0));
        }
    }
    out
}

/// Each text block's length after scaling: together they make a unit vector.
const BLOCK_WEIGHT: f32 = std::f32::consts::FRAC_1_SQRT_2;

/// Append hashed features as counts per bucket, scaled to length `weight`.
fn append_unit(out: &mut Vec<Feature>, mut buckets: Vec<u32>, weight: f32) {
    buckets.sort_unstable();
    let start = out.len();
    for idx in buckets {
        match out[start..].last_mut() {
            Some((last, v)) if *last == idx => *v += 1.0,
            _ => out.push((idx, 1.0)),
        }
    }
    let norm = out[start..].iter().map(|(_, v)| v * v).sum::<f32>().sqrt();
    if norm > 0.0 {
        for (_, v) in out[start..].iter_mut() {
            *v *= weight / norm;
        }
    }
}

/// A loaded model: quantised weights, one row of `Intent::ALL.len()` per hash bucket.
pub struct Model {
    classes: Vec<Intent>,
    scales: Vec<f32>,
    weights: Vec<i16>,
}

impl Model {
    /// Quantise float weights (`DIM` rows × classes, row-major) into a model.
    pub fn quantise(classes: Vec<Intent>, float: &[f32]) -> Model {
        let k = classes.len();
        let mut scales = vec![0f32; k];
        for row in float.chunks(k) {
            for (c, w) in row.iter().enumerate() {
                scales[c] = scales[c].max(w.abs());
            }
        }
        for s in scales.iter_mut() {
            *s = if *s > 0.0 { *s / 32767.0 } else { 1.0 };
        }
        let weights = float
            .chunks(k)
            .flat_map(|row| {
                row.iter()
                    .zip(&scales)
                    .map(|(w, s)| (w / s).round().clamp(-32767.0, 32767.0) as i16)
                    .collect::<Vec<_>>()
            })
            .collect();
        Model {
            classes,
            scales,
            weights,
        }
    }

    /// The file format, little-endian: magic (8 bytes), hash bits (u32), class count
    /// (u32), each class name (u8 length + UTF-8), each class scale (f32), row count
    /// (u32), then per non-zero row its bucket (u32) and one i16 weight per class.
    pub fn to_bytes(&self) -> Vec<u8> {
        let k = self.classes.len();
        let mut out = Vec::new();
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&DIM_BITS.to_le_bytes());
        out.extend_from_slice(&(k as u32).to_le_bytes());
        for c in &self.classes {
            out.push(c.as_str().len() as u8);
            out.extend_from_slice(c.as_str().as_bytes());
        }
        for s in &self.scales {
            out.extend_from_slice(&s.to_le_bytes());
        }
        let rows: Vec<(usize, &[i16])> = self
            .weights
            .chunks(k)
            .enumerate()
            .filter(|(_, r)| r.iter().any(|w| *w != 0))
            .collect();
        out.extend_from_slice(&(rows.len() as u32).to_le_bytes());
        for (i, r) in rows {
            out.extend_from_slice(&(i as u32).to_le_bytes());
            for w in r {
                out.extend_from_slice(&w.to_le_bytes());
            }
        }
        out
    }

    /// Read a model written by [`Model::to_bytes`].
    pub fn from_bytes(bytes: &[u8]) -> Result<Model, String> {
        let mut r = Reader { bytes, at: 0 };
        if r.take(8)? != MAGIC {
            return Err("not an intent model (bad magic)".into());
        }
        let bits = r.u32()?;
        if bits != DIM_BITS {
            return Err(format!("model has 2^{bits} buckets, expected 2^{DIM_BITS}"));
        }
        let k = r.u32()? as usize;
        let mut classes = Vec::with_capacity(k);
        for _ in 0..k {
            let len = r.take(1)?[0] as usize;
            let name = std::str::from_utf8(r.take(len)?).map_err(|e| e.to_string())?;
            classes.push(Intent::parse(name).ok_or_else(|| format!("unknown intent '{name}'"))?);
        }
        let mut scales = Vec::with_capacity(k);
        for _ in 0..k {
            scales.push(f32::from_le_bytes(r.array()?));
        }
        let rows = r.u32()? as usize;
        let mut weights = vec![0i16; DIM * k];
        for _ in 0..rows {
            let i = r.u32()? as usize;
            if i >= DIM {
                return Err(format!("bucket {i} out of range"));
            }
            for (c, b) in r.take(2 * k)?.chunks_exact(2).enumerate() {
                weights[i * k + c] = i16::from_le_bytes([b[0], b[1]]);
            }
        }
        if r.at != bytes.len() {
            return Err("trailing bytes after the last row".into());
        }
        Ok(Model {
            classes,
            scales,
            weights,
        })
    }

    /// Every class's probability for these features, in the model's class order.
    pub fn probabilities(&self, features: &[Feature]) -> Vec<(Intent, f32)> {
        let k = self.classes.len();
        let mut logits = vec![0f32; k];
        for (idx, v) in features {
            let row = &self.weights[*idx as usize * k..(*idx as usize + 1) * k];
            for (l, w) in logits.iter_mut().zip(row) {
                *l += v * f32::from(*w);
            }
        }
        for (l, s) in logits.iter_mut().zip(&self.scales) {
            *l *= s;
        }
        softmax(&mut logits);
        self.classes.iter().copied().zip(logits).collect()
    }

    /// The most probable intent and its probability.
    pub fn predict(&self, features: &[Feature]) -> (Intent, f32) {
        self.probabilities(features)
            .into_iter()
            .fold((Intent::Other, -1.0), |best, (i, p)| {
                if p > best.1 {
                    (i, p)
                } else {
                    best
                }
            })
    }
}

/// In place; stable for large logits.
pub fn softmax(logits: &mut [f32]) {
    let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let mut sum = 0.0;
    for l in logits.iter_mut() {
        *l = (*l - max).exp();
        sum += *l;
    }
    for l in logits.iter_mut() {
        *l /= sum;
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        let end = self.at.checked_add(n).filter(|e| *e <= self.bytes.len());
        let end = end.ok_or_else(|| format!("truncated at byte {}", self.at))?;
        let out = &self.bytes[self.at..end];
        self.at = end;
        Ok(out)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], String> {
        let mut a = [0u8; N];
        a.copy_from_slice(self.take(N)?);
        Ok(a)
    }

    fn u32(&mut self) -> Result<u32, String> {
        Ok(u32::from_le_bytes(self.array()?))
    }
}

/// The shipped model, loaded once; `None` while `data/intent_model.bin` is empty (before
/// the first training), in which case the rules decide alone.
pub fn shipped() -> Option<&'static Model> {
    static MODEL: OnceLock<Option<Model>> = OnceLock::new();
    MODEL
        .get_or_init(|| {
            if SHIPPED.is_empty() {
                return None;
            }
            // The file is compiled in and checked by the tests: a bad one is a build
            // defect, not bad input.
            Some(
                Model::from_bytes(SHIPPED)
                    .unwrap_or_else(|e| panic!("data/intent_model.bin is invalid: {e}")),
            )
        })
        .as_ref()
}

/// The shipped model file's bytes (for the test that retraining reproduces it).
pub fn shipped_bytes() -> &'static [u8] {
    SHIPPED
}
