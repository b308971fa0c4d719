use super::*;

fn units(text: &str) -> Vec<u8> {
    text.encode_utf16().flat_map(u16::to_le_bytes).collect()
}

fn area(parts: &[&str]) -> (Vec<u8>, [usize; 4]) {
    let mut counts = [0; 4];
    let mut io = Vec::new();
    for (count, part) in counts.iter_mut().zip(parts) {
        *count = part.encode_utf16().count();
        io.extend(units(part));
    }
    io.resize(area_for(counts.iter().sum()), 0xee);
    (io, counts)
}

#[test]
fn utf8_of_utf16_is_rusts_and_lone_surrogates_fail() {
    let text = "a/上传😀\u{7f}\u{80}\u{800}\u{ffff}";
    let mut out = vec![0; 3 * text.encode_utf16().count()];
    let len = utf16_to_utf8(&units(text), &mut out);
    assert_eq!(len, Ok(text.len()));
    assert_eq!(&out[..text.len()], text.as_bytes());
    for lone in [[0xd800u16], [0xdc00]] {
        let bytes: Vec<u8> = lone.iter().flat_map(|u| u.to_le_bytes()).collect();
        assert_eq!(
            utf16_to_utf8(&bytes, &mut [0; 3]),
            Err(Failure::LoneSurrogate)
        );
    }
}

#[test]
fn signs_the_spec_example_v1() {
    // oss-spec §1b / the vectors file's V1 example is checked from JS against ali-oss; here
    // the layout: the result is base64(policy) then the signature, after the scratch space.
    let policy =
        r#"{"expiration":"2026-12-02T00:00:00.000Z","conditions":[["eq","$key","上传/a.png"]]}"#;
    let (mut io, counts) = area(&["fake-secret", "", "", policy]);
    let n = sign_in(&mut io, 1, counts).map(|(_, n)| n);
    let total: usize = counts.iter().sum();
    let expected_field = {
        let mut f = vec![0; crate::hash::base64_len(policy.len())];
        crate::hash::base64_into(policy.as_bytes(), &mut f);
        f
    };
    let sig = sign_v1(b"fake-secret", &expected_field);
    assert_eq!(n, Ok(expected_field.len() + 28));
    let out = &io[5 * total..5 * total + expected_field.len() + 28];
    assert_eq!(&out[..expected_field.len()], expected_field.as_slice());
    assert_eq!(&out[expected_field.len()..], &sig);
}

#[test]
fn v4_signature_is_the_hash_crates_chain() {
    let (mut io, counts) = area(&["fake-secret", "cn-hangzhou", "20261202", "{}"]);
    let total: usize = counts.iter().sum();
    assert_eq!(sign_in(&mut io, 4, counts), Ok((5 * total, 4 + 64)));
    let mut hex = [0; 64];
    crate::hash::hex_into(
        &crate::hash::v4_sign_uncached(b"fake-secret", b"20261202", b"cn-hangzhou", b"e30="),
        &mut hex,
    );
    assert_eq!(&io[5 * total..5 * total + 4], b"e30=");
    assert_eq!(&io[5 * total + 4..5 * total + 68], &hex);
    assert_eq!(sign_in(&mut io, 2, counts), Err(Failure::BadVersion));
}

#[test]
fn short_areas_and_bad_text_are_errors_not_panics() {
    let (mut io, counts) = area(&["k", "", "", "x"]);
    // a lone surrogate, as written by JS from a broken string
    io[2..4].copy_from_slice(&0xd800u16.to_le_bytes());
    assert_eq!(sign_in(&mut io, 1, counts), Err(Failure::LoneSurrogate));
    for len in 0..12 {
        let mut short = vec![0u8; len];
        assert!(sign_in(&mut short, 4, [1, 1, 1, 1]).is_err());
        assert!(base64_in(&mut short, 3).is_err());
        assert!(crc64_in(&mut short, 12, 0).is_err());
    }
}

#[test]
fn base64_and_crc_calls() {
    let (mut io, _) = area(&["{\"callbackUrl\":\"上\"}"]);
    let units = "{\"callbackUrl\":\"上\"}".encode_utf16().count();
    let (at, n) = base64_in(&mut io, units).unwrap_or((0, 0));
    assert_eq!(at, 5 * units);
    assert_eq!(
        &io[5 * units..5 * units + n],
        b"eyJjYWxsYmFja1VybCI6IuS4iiJ9"
    );

    let mut io = b"123456789".to_vec();
    assert_eq!(crc64_in(&mut io, 9, 0), Err(Failure::OutOfMemory)); // no room for 20 digits
    io.resize(20, 0);
    let (at, n) = crc64_in(&mut io, 9, 0).unwrap_or((1, 0));
    assert_eq!(&io[at..n], 0x995d_c9bb_df19_39fa_u64.to_string().as_bytes());
    // continuing: crc("1234") then "56789", the previous value's digits after the data
    let first = crate::crc64::checksum(b"1234").to_string();
    let mut io = [b"56789".as_slice(), first.as_bytes()].concat();
    io.resize(io.len().max(20), 0);
    let (at, n) = crc64_in(&mut io, 5, first.len()).unwrap_or((1, 0));
    assert_eq!(&io[at..n], 0x995d_c9bb_df19_39fa_u64.to_string().as_bytes());
    let mut io = b"56789x12".to_vec();
    assert_eq!(crc64_in(&mut io, 5, 3), Err(Failure::BadCrc));
}

mod never_panics {
    use super::super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2048))]

        /// Any bytes in an area of any size, any lengths: a result or a `Failure`, never a
        /// panic (a panic is an opaque trap in wasm), and a result always inside the area.
        #[test]
        fn on_any_area(
            mut io in proptest::collection::vec(any::<u8>(), 0..512),
            version in 0u32..6,
            units in proptest::array::uniform4(0usize..96),
            len in 0usize..600,
            previous in 0usize..40,
        ) {
            let size = io.len();
            if let Ok((start, n)) = sign_in(&mut io, version, units) {
                prop_assert!(start + n <= size);
            }
            if let Ok((start, n)) = base64_in(&mut io, units[0]) {
                prop_assert!(start + n <= size);
            }
            if let Ok((start, n)) = crc64_in(&mut io, len, previous) {
                prop_assert!(start + n <= size);
            }
        }

        /// Whatever UTF-16 JS writes, the UTF-8 is Rust's own encoding of it, or a lone
        /// surrogate is reported.
        #[test]
        fn utf16_matches_rust(units in proptest::collection::vec(any::<u16>(), 0..64)) {
            let bytes: Vec<u8> = units.iter().flat_map(|u| u.to_le_bytes()).collect();
            let mut out = vec![0; 3 * units.len()];
            match String::from_utf16(&units) {
                Ok(text) => {
                    prop_assert_eq!(utf16_to_utf8(&bytes, &mut out), Ok(text.len()));
                    prop_assert_eq!(&out[..text.len()], text.as_bytes());
                }
                Err(_) => prop_assert_eq!(utf16_to_utf8(&bytes, &mut out), Err(Failure::LoneSurrogate)),
            }
        }
    }
}
