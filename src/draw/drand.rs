//! The drand `quicknet` beacon, checked offline (FORMAT.md §5).
//!
//! quicknet signs each round number with BLS on G1 (scheme
//! `bls-unchained-g1-rfc9380`, 48-byte signatures) under one fixed G2
//! public key, so a round's signature can be checked with no network: the
//! message is SHA-256 of the round as 8 big-endian bytes, hashed to G1 per
//! RFC 9380. The pairing check is the `drand-verify` crate's. A round's
//! randomness, the draw's seed, is the lowercase hex SHA-256 of the
//! signature bytes.

use drand_verify::{G2PubkeyRfc, Pubkey};
use sha2::{Digest, Sha256};

/// The chain's name in a draw's `seed_source`.
pub const CHAIN: &str = "quicknet";
/// quicknet's chain hash.
pub const CHAIN_HASH: &str = "52db9ba70e0cc0f6eaf7803dd07447a1f5477735fd3f661792ba94600c84e971";
/// quicknet's group public key (G2, compressed).
pub const PUBLIC_KEY: &str = "83cf0f2896adee7eb8b5f01fcad3912212c437e0073e911fb90022d3e760183c8c4b450b6a0a6c3ac6a5776a2d1064510d1fec758c921cc22b0e17e63aaf4bcb5ed66304de9cf809bd274ca73bab4af5a6e9c76a4bc09e76eae8991ef5ece45a";
/// Round 1's publish time, UTC seconds.
pub const GENESIS: i64 = 1_692_803_367;
/// Seconds between rounds.
pub const PERIOD: i64 = 3;
/// A committed round must be published at least this long after the commit.
pub const MIN_LEAD_SECS: i64 = 60;
/// Bytes of a quicknet signature (a compressed G1 point).
pub const SIGNATURE_BYTES: usize = 48;

/// Why a signature gives no seed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BeaconError {
    #[error("the signature is not hexadecimal: {0}")]
    NotHex(String),
    #[error("the signature has {0} bytes; a quicknet signature has 48")]
    Length(usize),
    #[error("the signature is not a point of the BLS12-381 curve (G1)")]
    NotAPoint,
    #[error(
        "the signature does not verify for quicknet round {0} (a signature of another round, or not quicknet's)"
    )]
    WrongRound(u64),
    #[error("round {0} does not exist; quicknet starts at round 1")]
    NoRound(u64),
}

/// When round `round` is published, UTC seconds: genesis + period × (round − 1).
pub fn published_at(round: u64) -> Option<i64> {
    let steps = i64::try_from(round.checked_sub(1)?).ok()?;
    GENESIS.checked_add(PERIOD.checked_mul(steps)?)
}

/// The first round published at or after `unix` seconds.
pub fn first_round_at_or_after(unix: i64) -> u64 {
    if unix <= GENESIS {
        return 1;
    }
    let steps = (unix - GENESIS + PERIOD - 1) / PERIOD;
    u64::try_from(steps).unwrap_or(u64::MAX - 1) + 1
}

/// drand's randomness of a signature: lowercase hex SHA-256 of its bytes.
pub fn randomness(signature: &[u8]) -> String {
    hex::encode(Sha256::digest(signature))
}

/// Decodes a signature given as hex (surrounding white space and a `0x`
/// prefix allowed, either case).
pub fn decode_signature(text: &str) -> Result<Vec<u8>, BeaconError> {
    let trimmed = text.trim();
    let digits = trimmed
        .strip_prefix("0x")
        .or_else(|| trimmed.strip_prefix("0X"))
        .unwrap_or(trimmed);
    let bytes = hex::decode(digits).map_err(|e| BeaconError::NotHex(e.to_string()))?;
    if bytes.len() != SIGNATURE_BYTES {
        return Err(BeaconError::Length(bytes.len()));
    }
    Ok(bytes)
}

/// Checks `signature` (hex) for quicknet round `round`; its randomness on success.
pub fn verify(round: u64, signature: &str) -> Result<String, BeaconError> {
    if round == 0 {
        return Err(BeaconError::NoRound(round));
    }
    let bytes = decode_signature(signature)?;
    let mut key = [0u8; 96];
    // The constant is 96 bytes of valid hex; a failure here cannot happen.
    hex::decode_to_slice(PUBLIC_KEY, &mut key).map_err(|_| BeaconError::NotAPoint)?;
    let key = G2PubkeyRfc::from_fixed(key).map_err(|_| BeaconError::NotAPoint)?;
    match key.verify(round, b"", &bytes) {
        Ok(true) => Ok(randomness(&bytes)),
        Ok(false) => Err(BeaconError::WrongRound(round)),
        Err(_) => Err(BeaconError::NotAPoint),
    }
}

/// Real published quicknet rounds, for tests (values from drand's public
/// API as recorded in drand-verify's test suite and elsewhere; facts, not code).
pub mod vectors {
    /// Round 123, published 2023-08-23T15:15:33Z.
    pub const ROUND_123: u64 = 123;
    pub const SIGNATURE_123: &str = "b75c69d0b72a5d906e854e808ba7e2accb1542ac355ae486d591aa9d43765482e26cd02df835d3546d23c4b13e0dfc92";
    /// Round 9683710, published 2024-07-24.
    pub const ROUND_9683710: u64 = 9_683_710;
    pub const SIGNATURE_9683710: &str = "b0a8b04e009cf72534321aca0f50048da596a3feec1172a0244d9a4a623a3123d0402da79854d4c705e94bc73224c342";
    /// Its randomness as drand's API gives it.
    pub const RANDOMNESS_9683710: &str =
        "87f03ef5f62885390defedf60d5b8132b4dc2115b1efc6e99d166a37ab2f3a02";
}

#[cfg(test)]
mod tests {
    use super::vectors::*;
    use super::*;
    use crate::draw::clock::rfc3339;

    #[test]
    fn real_quicknet_rounds_verify_and_their_seed_is_drands_randomness() {
        assert_eq!(
            verify(ROUND_9683710, SIGNATURE_9683710).unwrap(),
            RANDOMNESS_9683710
        );
        let seed = verify(ROUND_123, &SIGNATURE_123.to_uppercase()).unwrap();
        assert_eq!(seed.len(), 64);
        assert_eq!(seed, randomness(&hex::decode(SIGNATURE_123).unwrap()));
    }

    #[test]
    fn another_rounds_signature_is_refused_naming_the_round() {
        assert_eq!(
            verify(ROUND_123, SIGNATURE_9683710),
            Err(BeaconError::WrongRound(123))
        );
        assert_eq!(
            verify(124, SIGNATURE_123),
            Err(BeaconError::WrongRound(124))
        );
    }

    #[test]
    fn garbage_is_refused_with_its_reason() {
        assert!(matches!(verify(123, "zz"), Err(BeaconError::NotHex(_))));
        assert_eq!(verify(123, "abcd"), Err(BeaconError::Length(2)));
        // 48 bytes that are not a compressed G1 point.
        assert_eq!(verify(123, &"11".repeat(48)), Err(BeaconError::NotAPoint));
        // A flipped bit: still 48 bytes, no longer the round's signature.
        let mut flipped = hex::decode(SIGNATURE_123).unwrap();
        flipped[47] ^= 1;
        assert!(verify(123, &hex::encode(flipped)).is_err());
        assert_eq!(verify(0, SIGNATURE_123), Err(BeaconError::NoRound(0)));
    }

    #[test]
    fn rounds_are_published_every_three_seconds_from_genesis() {
        assert_eq!(published_at(1), Some(GENESIS));
        assert_eq!(
            rfc3339(published_at(123).unwrap()).as_deref(),
            Some("2023-08-23T15:15:33Z")
        );
        assert_eq!(published_at(0), None);
        assert_eq!(first_round_at_or_after(GENESIS - 10), 1);
        assert_eq!(first_round_at_or_after(published_at(123).unwrap()), 123);
        assert_eq!(first_round_at_or_after(published_at(123).unwrap() - 1), 123);
        assert_eq!(first_round_at_or_after(published_at(123).unwrap() + 1), 124);
    }
}
