//! The native ceiling: the ossup core built for the host, timed over the same inputs as the JS
//! harness (bench/run.mjs). Prints one JSON object on stdout; no assertions, no timing goals.
//!
//! Usage: `ossup-bench-native <signing-inputs.json> [reps]` where the file holds
//! `{"v1": "<options JSON>", "v4": "<options JSON>", "v4Header": "<options JSON>"}`.

use std::hint::black_box;
use std::time::Instant;

const MIB: usize = 1024 * 1024;
const TOTAL: usize = 64 * MIB;

/// The harness's test bytes (bench/lib/data.js): xorshift32 from a fixed seed, low byte.
fn test_bytes(length: usize) -> Vec<u8> {
    let mut state: u32 = 0x9e37_79b9;
    (0..length)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            state as u8
        })
        .collect()
}

fn list(values: &[f64]) -> String {
    let items: Vec<String> = values.iter().map(|v| format!("{v:.3}")).collect();
    format!("[{}]", items.join(","))
}

/// MB/s (10^6 bytes) of `run` over the 64 MiB, one warm-up then `reps` timed passes.
fn throughput(reps: usize, mut run: impl FnMut() -> String) -> (Vec<f64>, String) {
    let value = run();
    let mut samples = Vec::with_capacity(reps);
    for _ in 0..reps {
        let start = Instant::now();
        black_box(run());
        samples.push(TOTAL as f64 / 1e6 / start.elapsed().as_secs_f64());
    }
    (samples, value)
}

/// Calls per second of `call`: the count calibrated to ~100 ms per repetition.
fn ops_per_second(reps: usize, mut call: impl FnMut() -> usize) -> Vec<f64> {
    let mut n = 16usize;
    loop {
        let start = Instant::now();
        for _ in 0..n {
            black_box(call());
        }
        let elapsed = start.elapsed().as_secs_f64();
        if elapsed >= 0.05 {
            n = ((n as f64) * 0.1 / elapsed).ceil() as usize;
            break;
        }
        n *= 2;
    }
    (0..reps)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..n {
                black_box(call());
            }
            n as f64 / start.elapsed().as_secs_f64()
        })
        .collect()
}

fn json_string(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The three option texts from the harness's file (a flat JSON object of strings).
fn signing_inputs(path: &str) -> Result<[String; 3], String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
    let document = ossup::json::parse(&text)?;
    let get = |name: &str| {
        document
            .get(name)
            .and_then(|v| v.as_str())
            .map(str::to_string)
            .ok_or_else(|| format!("{path}: no string {name:?}"))
    };
    Ok([get("v1")?, get("v4")?, get("v4Header")?])
}

/// One pass of CRC-64 over the 64 MiB in 1 MiB chunks: (value, seconds).
fn crc_pass(chunks: &[&[u8]]) -> (String, f64) {
    let start = Instant::now();
    let mut crc = 0u64;
    for chunk in chunks {
        crc = ossup::crc64::update(crc, black_box(chunk));
    }
    (crc.to_string(), start.elapsed().as_secs_f64())
}

/// One pass of MD5 likewise.
fn md5_pass(chunks: &[&[u8]]) -> (String, f64) {
    let start = Instant::now();
    let mut md5 = ossup::md5::Md5::new();
    for chunk in chunks {
        md5.update(black_box(chunk));
    }
    (
        ossup::encoding::hex(&md5.digest()),
        start.elapsed().as_secs_f64(),
    )
}

/// `serve`: the data made once, then one timed pass per line read (`crc64` or `md5`), answered
/// with a line of JSON `{"value":…,"mbps":…}`; so the harness can time the native ceiling between
/// its own repetitions, in the same minutes as the wasm it is compared with.
fn serve() -> Result<(), String> {
    use std::io::{BufRead, Write};
    let data = test_bytes(TOTAL);
    let chunks: Vec<&[u8]> = data.chunks(MIB).collect();
    let mut out = std::io::stdout().lock();
    for line in std::io::stdin().lock().lines() {
        let line = line.map_err(|e| e.to_string())?;
        let (value, seconds) = match line.trim() {
            "crc64" => crc_pass(&chunks),
            "md5" => md5_pass(&chunks),
            other => return Err(format!("serve: unknown pass {other:?} (crc64 or md5)")),
        };
        let mbps = TOTAL as f64 / 1e6 / seconds;
        writeln!(out, "{{\"value\":\"{value}\",\"mbps\":{mbps:.3}}}").map_err(|e| e.to_string())?;
        out.flush().map_err(|e| e.to_string())?;
    }
    Ok(())
}

fn main() -> Result<(), String> {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("serve") {
        return serve();
    }
    let path = args
        .get(1)
        .ok_or("usage: ossup-bench-native <signing-inputs.json> [reps] | serve")?;
    let reps: usize = args.get(2).and_then(|r| r.parse().ok()).unwrap_or(7);
    let [v1, v4, v4_header] = signing_inputs(path)?;

    let data = test_bytes(TOTAL);
    let chunks: Vec<&[u8]> = data.chunks(MIB).collect();

    let (crc_samples, crc_value) = throughput(reps, || crc_pass(&chunks).0);
    let (md5_samples, md5_value) = throughput(reps, || md5_pass(&chunks).0);

    // The same paths as the wasm exports: the policy signatures with their strings as
    // arguments, the header signature from its options JSON to the Authorization value.
    let e = |error: ossup::Error| error.to_string();
    let field = |json: &str, name: &str| -> Result<String, String> {
        match ossup::json::parse(json)
            .map_err(|m| m.to_string())?
            .get(name)
        {
            Some(ossup::json::Value::String(s)) => Ok(s.to_string()),
            _ => Err(format!("signing input without {name}")),
        }
    };
    let (v1_secret, v1_policy) = (field(&v1, "accessKeySecret")?, field(&v1, "policy")?);
    let [v4_secret, v4_region, v4_date, v4_policy] =
        ["accessKeySecret", "region", "date", "policy"].map(|n| field(&v4, n));
    let (v4_secret, v4_region, v4_date, v4_policy) = (v4_secret?, v4_region?, v4_date?, v4_policy?);
    let v1_sign =
        || ossup::sign::v1::sign_post_policy(black_box(&v1_secret), black_box(&v1_policy));
    let v4_sign = || {
        ossup::sign::v4::sign_post_policy(
            black_box(&v4_secret),
            black_box(&v4_region),
            black_box(&v4_date),
            black_box(&v4_policy),
        )
    };
    let header_sign = || {
        ossup::api::sign_request(ossup::api::Version::V4, black_box(&v4_header))
            .map(|s| s.authorization)
    };
    let v1_signature = v1_sign().map_err(e)?;
    let v4_signature = v4_sign().map_err(e)?;
    let header = header_sign().map_err(e)?;
    let v1_api = ops_per_second(reps, || v1_sign().map_or(0, |s| s.len()));
    let v4_api = ops_per_second(reps, || v4_sign().map_or(0, |s| s.len()));
    let header_api = ops_per_second(reps, || header_sign().map_or(0, |s| s.len()));

    let fields = [
        format!("\"reps\":{reps}"),
        format!(
            "\"crc64\":{{\"value\":\"{crc_value}\",\"mbps\":{}}}",
            list(&crc_samples)
        ),
        format!(
            "\"md5\":{{\"value\":\"{md5_value}\",\"mbps\":{}}}",
            list(&md5_samples)
        ),
        format!(
            "\"signatures\":{{\"v1\":{},\"v4\":{},\"v4Header\":{}}}",
            json_string(&v1_signature),
            json_string(&v4_signature),
            json_string(&header)
        ),
        format!("\"v1\":{}", list(&v1_api)),
        format!("\"v4\":{}", list(&v4_api)),
        format!("\"v4Header\":{}", list(&header_api)),
    ];
    println!("{{{}}}", fields.join(","));
    Ok(())
}
