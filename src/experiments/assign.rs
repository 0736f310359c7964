//! Which version drafts an item: a stable hash of the experiment, the item's account,
//! channel, intent and id, cut by the arms' weights. The same item always gets the same
//! version while the experiment runs, on any machine and in any release (FNV-1a, not the
//! standard library's hasher, whose output may change).

use serde::{Deserialize, Serialize};

use crate::domain::Channel;

/// One version in an experiment and its share of the items.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Arm {
    pub version: String,
    /// Relative weight, at least 1.
    pub weight: u32,
}

/// What an experiment covers: every item, or those of one account, channel or intent.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scope {
    pub account_id: Option<i64>,
    pub channel: Option<Channel>,
    pub intent: Option<String>,
}

/// The item facts assignment reads.
#[derive(Debug, Clone, Copy)]
pub struct ItemKey<'a> {
    pub account_id: i64,
    pub channel: Channel,
    pub intent: Option<&'a str>,
    pub external_id: &'a str,
}

impl Scope {
    pub fn covers(&self, item: &ItemKey<'_>) -> bool {
        self.account_id.is_none_or(|a| a == item.account_id)
            && self.channel.is_none_or(|c| c == item.channel)
            && self
                .intent
                .as_deref()
                .is_none_or(|i| Some(i) == item.intent)
    }
}

/// FNV-1a, 64 bits.
fn fnv1a(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        hash ^= u64::from(*b);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

/// Mixes the bits so that items differing in one character spread over all buckets
/// (splitmix64's finaliser).
fn mix(mut x: u64) -> u64 {
    x ^= x >> 30;
    x = x.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x ^= x >> 27;
    x = x.wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// The stable hash of an item within experiment `salt` (its id and name).
pub fn item_hash(salt: &str, item: &ItemKey<'_>) -> u64 {
    let key = format!(
        "{salt}\u{1f}{}\u{1f}{}\u{1f}{}\u{1f}{}",
        item.account_id,
        item.channel.as_str(),
        item.intent.unwrap_or(""),
        item.external_id
    );
    mix(fnv1a(key.as_bytes()))
}

/// The arm for `hash`: arms own consecutive slices of `0..total weight`.
pub fn pick(arms: &[Arm], hash: u64) -> Option<&Arm> {
    let total: u64 = arms.iter().map(|a| u64::from(a.weight)).sum();
    if total == 0 {
        return None;
    }
    let mut bucket = hash % total;
    for arm in arms {
        let w = u64::from(arm.weight);
        if bucket < w {
            return Some(arm);
        }
        bucket -= w;
    }
    None
}

/// Parses `name=weight` or `name` (weight 1).
pub fn parse_arm(text: &str) -> Result<Arm, String> {
    let (name, weight) = match text.split_once('=') {
        Some((n, w)) => {
            let weight: u32 = w
                .trim()
                .parse()
                .map_err(|_| format!("'{text}': the weight must be a whole number"))?;
            (n.trim(), weight)
        }
        None => (text.trim(), 1),
    };
    if weight == 0 || weight > 1000 {
        return Err(format!("'{text}': the weight must be 1..=1000"));
    }
    if !super::version::valid_name(name) {
        return Err(format!("'{text}': '{name}' is not a version name"));
    }
    Ok(Arm {
        version: name.to_string(),
        weight,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(i: usize) -> String {
        format!("fb-{i}")
    }

    fn item<'a>(id: &'a str, intent: Option<&'a str>) -> ItemKey<'a> {
        ItemKey {
            account_id: 1,
            channel: Channel::Review,
            intent,
            external_id: id,
        }
    }

    fn arms(weights: &[(&str, u32)]) -> Vec<Arm> {
        weights
            .iter()
            .map(|(v, w)| Arm {
                version: v.to_string(),
                weight: *w,
            })
            .collect()
    }

    #[test]
    fn the_hash_is_stable_across_runs_and_releases() {
        // Fixed values: a change here reassigns every running experiment's items.
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
        let h = item_hash("1:exp", &item("fb-1", Some("thanks")));
        assert_eq!(h, item_hash("1:exp", &item("fb-1", Some("thanks"))));
        assert_ne!(h, item_hash("2:exp", &item("fb-1", Some("thanks"))));
        assert_ne!(h, item_hash("1:exp", &item("fb-2", Some("thanks"))));
        assert_ne!(h, item_hash("1:exp", &item("fb-1", Some("defect"))));
    }

    #[test]
    fn assignment_never_changes_for_an_item() {
        let a = arms(&[("v1", 1), ("v2", 1)]);
        for i in 0..200 {
            let id = key(i);
            let first = pick(&a, item_hash("e", &item(&id, None)))
                .unwrap()
                .version
                .clone();
            for _ in 0..3 {
                assert_eq!(
                    pick(&a, item_hash("e", &item(&id, None))).unwrap().version,
                    first
                );
            }
        }
    }

    #[test]
    fn weights_set_the_shares() {
        let a = arms(&[("v1", 3), ("v2", 1)]);
        let n = 20_000;
        let v1 = (0..n)
            .filter(|i| {
                let id = key(*i);
                pick(&a, item_hash("e", &item(&id, None))).unwrap().version == "v1"
            })
            .count();
        let share = v1 as f64 / n as f64;
        assert!((share - 0.75).abs() < 0.015, "share {share}");
        let even = arms(&[("a", 1), ("b", 1), ("c", 1)]);
        let mut counts = [0usize; 3];
        for i in 0..9000 {
            let id = key(i);
            let v = &pick(&even, item_hash("e", &item(&id, None)))
                .unwrap()
                .version;
            counts[["a", "b", "c"].iter().position(|x| x == v).unwrap()] += 1;
        }
        for c in counts {
            assert!((2800..=3200).contains(&c), "{counts:?}");
        }
    }

    #[test]
    fn pick_cuts_consecutive_slices() {
        let a = arms(&[("v1", 2), ("v2", 1)]);
        assert_eq!(pick(&a, 0).unwrap().version, "v1");
        assert_eq!(pick(&a, 1).unwrap().version, "v1");
        assert_eq!(pick(&a, 2).unwrap().version, "v2");
        assert_eq!(pick(&a, 3).unwrap().version, "v1");
        assert!(pick(&[], 5).is_none());
    }

    #[test]
    fn scope_limits_the_items() {
        let scope = Scope {
            account_id: Some(1),
            channel: Some(Channel::Review),
            intent: Some("thanks".into()),
        };
        assert!(scope.covers(&item("x", Some("thanks"))));
        assert!(!scope.covers(&item("x", Some("defect"))));
        assert!(!scope.covers(&item("x", None)));
        assert!(Scope::default().covers(&item("x", None)));
    }

    #[test]
    fn arms_parse_with_and_without_weights() {
        assert_eq!(parse_arm("v1=3").unwrap().weight, 3);
        assert_eq!(parse_arm("drafts-ru-v2").unwrap().weight, 1);
        assert!(parse_arm("v1=0").is_err());
        assert!(parse_arm("v1=x").is_err());
        assert!(parse_arm("V 1=2").is_err());
    }
}
