//! A link between two TUN devices: per-direction rate, one-way delay, seeded random loss and a
//! drop-tail queue, for the bench's network stage (this kernel has no netem).
//!
//! Usage: ossup-netemu --client DEV --server DEV --up BITS/S --down BITS/S --delay-ms MS
//!        [--loss FRACTION] [--queue-up BYTES] [--queue-down BYTES] [--seed N]
//!
//! "up" is client → server. It creates both devices, prints `ready`, then forwards until stdin
//! closes. Commands on stdin, one per line: `stats` (one JSON line of counters), `reset` (zero
//! them), `blackhole SECONDS` (drop everything both ways for that long), `quit`.

use std::collections::{HashMap, VecDeque};
use std::io::Write;
use std::os::unix::io::RawFd;
use std::time::{Duration, Instant};

const TUNSETIFF: libc::c_ulong = 0x4004_54ca;
const IFF_TUN: libc::c_short = 0x0001;
const IFF_NO_PI: libc::c_short = 0x1000;

#[repr(C)]
struct IfReq {
    name: [u8; libc::IFNAMSIZ],
    flags: libc::c_short,
    _pad: [u8; 22],
}

fn fail(message: &str) -> ! {
    eprintln!("ossup-netemu: {message}");
    std::process::exit(2)
}

fn open_tun(name: &str) -> RawFd {
    if name.is_empty() || name.len() >= libc::IFNAMSIZ {
        fail(&format!("bad device name {name:?}"));
    }
    // SAFETY: plain syscalls on a path and a struct we own.
    unsafe {
        let fd = libc::open(
            c"/dev/net/tun".as_ptr(),
            libc::O_RDWR | libc::O_NONBLOCK | libc::O_CLOEXEC,
        );
        if fd < 0 {
            fail(&format!(
                "open /dev/net/tun: {}",
                std::io::Error::last_os_error()
            ));
        }
        let mut req = IfReq {
            name: [0; libc::IFNAMSIZ],
            flags: IFF_TUN | IFF_NO_PI,
            _pad: [0; 22],
        };
        req.name[..name.len()].copy_from_slice(name.as_bytes());
        if libc::ioctl(fd, TUNSETIFF as _, &mut req as *mut IfReq) < 0 {
            fail(&format!(
                "TUNSETIFF {name}: {}",
                std::io::Error::last_os_error()
            ));
        }
        fd
    }
}

/// xorshift64*: reproducible loss patterns from a seed.
struct Rng(u64);
impl Rng {
    fn next_f64(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[derive(Default, Clone)]
struct Counters {
    packets: u64,
    bytes: u64,
    delivered_packets: u64,
    delivered_bytes: u64,
    lost: u64,
    queue_drops: u64,
    blackholed: u64,
    tcp_payload_bytes: u64,
    retransmitted_bytes: u64,
    syns: u64,
}

impl Counters {
    fn json(&self) -> String {
        format!(
            "{{\"packets\":{},\"bytes\":{},\"deliveredPackets\":{},\"deliveredBytes\":{},\"lost\":{},\"queueDrops\":{},\"blackholed\":{},\"tcpPayloadBytes\":{},\"retransmittedBytes\":{},\"syns\":{}}}",
            self.packets,
            self.bytes,
            self.delivered_packets,
            self.delivered_bytes,
            self.lost,
            self.queue_drops,
            self.blackholed,
            self.tcp_payload_bytes,
            self.retransmitted_bytes,
            self.syns
        )
    }
}

struct Direction {
    out_fd: RawFd,
    bytes_per_sec: f64,
    delay: Duration,
    queue_limit: usize,
    /// When the link finishes serialising what it already accepted.
    busy_until: Instant,
    in_flight: VecDeque<(Instant, Vec<u8>)>,
    counters: Counters,
    /// Highest TCP sequence end seen per flow, to tell retransmissions from new data.
    flows: HashMap<[u8; 12], u32>,
}

impl Direction {
    /// Counts TCP payload, retransmitted payload and connection openings (IPv4 only).
    fn inspect(&mut self, p: &[u8]) {
        if p.len() < 20 || p[0] >> 4 != 4 || p[9] != 6 {
            return;
        }
        let ihl = usize::from(p[0] & 0x0f) * 4;
        let total = usize::from(u16::from_be_bytes([p[2], p[3]])).min(p.len());
        if total < ihl + 20 {
            return;
        }
        let t = &p[ihl..total];
        let doff = usize::from(t[12] >> 4) * 4;
        if doff < 20 || t.len() < doff {
            return;
        }
        let flags = t[13];
        let seq = u32::from_be_bytes([t[4], t[5], t[6], t[7]]);
        let mut key = [0u8; 12];
        key[..8].copy_from_slice(&p[12..20]);
        key[8..12].copy_from_slice(&t[..4]);
        let len = (t.len() - doff) as u32;
        if flags & 0x02 != 0 {
            if flags & 0x10 == 0 {
                self.counters.syns += 1;
            }
            self.flows.insert(key, seq.wrapping_add(1));
            return;
        }
        if len == 0 {
            return;
        }
        self.counters.tcp_payload_bytes += u64::from(len);
        let end = seq.wrapping_add(len);
        match self.flows.get_mut(&key) {
            Some(high) => {
                // Sequence arithmetic mod 2^32: "before" is a negative signed difference.
                if (seq.wrapping_sub(*high) as i32) < 0 {
                    let repeated = if (end.wrapping_sub(*high) as i32) < 0 {
                        len
                    } else {
                        high.wrapping_sub(seq)
                    };
                    self.counters.retransmitted_bytes += u64::from(repeated);
                }
                if (end.wrapping_sub(*high) as i32) > 0 {
                    *high = end;
                }
            }
            None => {
                self.flows.insert(key, end);
            }
        }
    }

    fn accept(&mut self, now: Instant, packet: &[u8], loss: f64, rng: &mut Rng, blackholed: bool) {
        self.counters.packets += 1;
        self.counters.bytes += packet.len() as u64;
        self.inspect(packet);
        if blackholed {
            self.counters.blackholed += 1;
            return;
        }
        if loss > 0.0 && rng.next_f64() < loss {
            self.counters.lost += 1;
            return;
        }
        let backlog =
            self.busy_until.saturating_duration_since(now).as_secs_f64() * self.bytes_per_sec;
        if backlog + packet.len() as f64 > self.queue_limit as f64 {
            self.counters.queue_drops += 1;
            return;
        }
        let start = self.busy_until.max(now);
        self.busy_until = start + Duration::from_secs_f64(packet.len() as f64 / self.bytes_per_sec);
        self.in_flight
            .push_back((self.busy_until + self.delay, packet.to_vec()));
    }

    fn deliver(&mut self, now: Instant, blackholed: bool) {
        while let Some((due, _)) = self.in_flight.front() {
            if *due > now {
                break;
            }
            let Some((_, packet)) = self.in_flight.pop_front() else {
                break;
            };
            if blackholed {
                self.counters.blackholed += 1;
                continue;
            }
            // SAFETY: writing a buffer we own to a descriptor we opened.
            let n = unsafe { libc::write(self.out_fd, packet.as_ptr().cast(), packet.len()) };
            if n == packet.len() as isize {
                self.counters.delivered_packets += 1;
                self.counters.delivered_bytes += packet.len() as u64;
            }
        }
    }
}

fn arg<T: std::str::FromStr>(args: &[String], name: &str, default: Option<T>) -> T {
    match args
        .iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
    {
        Some(v) => v
            .parse()
            .unwrap_or_else(|_| fail(&format!("bad value for {name}: {v}"))),
        None => default.unwrap_or_else(|| fail(&format!("{name} is required"))),
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let client: String = arg(&args, "--client", None);
    let server: String = arg(&args, "--server", None);
    let up: f64 = arg(&args, "--up", None);
    let down: f64 = arg(&args, "--down", None);
    let delay_ms: f64 = arg(&args, "--delay-ms", None);
    let loss: f64 = arg(&args, "--loss", Some(0.0));
    let seed: u64 = arg(&args, "--seed", Some(1));
    if up <= 0.0 || down <= 0.0 || !(0.0..=1.0).contains(&loss) || delay_ms < 0.0 {
        fail("rates must be > 0, loss within 0..1, delay ≥ 0");
    }
    // Default queue: two bandwidth-delay products (RTT = 2 × one-way delay), at least 64 packets.
    let bdp = |rate: f64| ((rate / 8.0) * (2.0 * delay_ms / 1000.0)) as usize;
    let queue_up: usize = arg(&args, "--queue-up", Some((2 * bdp(up)).max(64 * 1500)));
    let queue_down: usize = arg(&args, "--queue-down", Some((2 * bdp(down)).max(64 * 1500)));

    let cfd = open_tun(&client);
    let sfd = open_tun(&server);
    let now = Instant::now();
    let delay = Duration::from_secs_f64(delay_ms / 1000.0);
    let make = |out_fd, rate: f64, queue_limit| Direction {
        out_fd,
        bytes_per_sec: rate / 8.0,
        delay,
        queue_limit,
        busy_until: now,
        in_flight: VecDeque::new(),
        counters: Counters::default(),
        flows: HashMap::new(),
    };
    let mut dirs = [make(sfd, up, queue_up), make(cfd, down, queue_down)];
    let mut rng = Rng(seed.max(1));
    let mut blackhole_until: Option<Instant> = None;
    let mut stdin_buf: Vec<u8> = Vec::new();
    let mut buf = vec![0u8; 65536];
    let mut out = std::io::stdout();
    let _ = writeln!(out, "ready");
    let _ = out.flush();

    loop {
        let now = Instant::now();
        let next_due = dirs
            .iter()
            .filter_map(|d| d.in_flight.front().map(|(t, _)| *t))
            .min();
        let mut fds = [
            libc::pollfd {
                fd: cfd,
                events: libc::POLLIN,
                revents: 0,
            },
            libc::pollfd {
                fd: sfd,
                events: libc::POLLIN,
                revents: 0,
            },
            libc::pollfd {
                fd: 0,
                events: libc::POLLIN,
                revents: 0,
            },
        ];
        let timeout = next_due.map(|t| {
            let d = t.saturating_duration_since(now);
            libc::timespec {
                tv_sec: d.as_secs() as libc::time_t,
                tv_nsec: d.subsec_nanos() as libc::c_long,
            }
        });
        let tp = timeout
            .as_ref()
            .map_or(std::ptr::null(), |t| t as *const libc::timespec);
        // SAFETY: the pollfd array and timespec live across the call.
        let ready = unsafe {
            libc::ppoll(
                fds.as_mut_ptr(),
                fds.len() as libc::nfds_t,
                tp,
                std::ptr::null(),
            )
        };
        if ready < 0 {
            let e = std::io::Error::last_os_error();
            if e.kind() == std::io::ErrorKind::Interrupted {
                continue;
            }
            fail(&format!("ppoll: {e}"));
        }
        let now = Instant::now();
        let blackholed = blackhole_until.is_some_and(|t| now < t);
        for (i, fd) in [cfd, sfd].into_iter().enumerate() {
            if fds[i].revents & libc::POLLIN == 0 {
                continue;
            }
            // Drain what is there; the queues decide what passes.
            loop {
                // SAFETY: reading into a buffer we own.
                let n = unsafe { libc::read(fd, buf.as_mut_ptr().cast(), buf.len()) };
                if n <= 0 {
                    break;
                }
                dirs[i].accept(now, &buf[..n as usize], loss, &mut rng, blackholed);
            }
        }
        if fds[2].revents & (libc::POLLIN | libc::POLLHUP) != 0 {
            // SAFETY: reading stdin into a buffer we own.
            let n = unsafe { libc::read(0, buf.as_mut_ptr().cast(), buf.len()) };
            if n <= 0 {
                return; // the harness is gone: so are we, and with us the devices
            }
            stdin_buf.extend_from_slice(&buf[..n as usize]);
            while let Some(pos) = stdin_buf.iter().position(|&b| b == b'\n') {
                let line: Vec<u8> = stdin_buf.drain(..=pos).collect();
                let line = String::from_utf8_lossy(&line);
                let mut words = line.split_whitespace();
                match (words.next(), words.next()) {
                    (Some("stats"), _) => {
                        let _ = writeln!(
                            out,
                            "{{\"up\":{},\"down\":{}}}",
                            dirs[0].counters.json(),
                            dirs[1].counters.json()
                        );
                    }
                    (Some("reset"), _) => {
                        for d in dirs.iter_mut() {
                            d.counters = Counters::default();
                            d.flows.clear();
                        }
                        let _ = writeln!(out, "ok");
                    }
                    (Some("blackhole"), Some(s)) => match s.parse::<f64>() {
                        Ok(secs) if secs >= 0.0 && secs.is_finite() => {
                            blackhole_until = Some(Instant::now() + Duration::from_secs_f64(secs));
                            let _ = writeln!(out, "ok");
                        }
                        _ => {
                            let _ = writeln!(out, "error bad seconds");
                        }
                    },
                    (Some("quit"), _) => return,
                    (None, _) => continue,
                    _ => {
                        let _ = writeln!(out, "error unknown command");
                    }
                }
                let _ = out.flush();
            }
        }
        let now = Instant::now();
        let blackholed = blackhole_until.is_some_and(|t| now < t);
        for d in dirs.iter_mut() {
            d.deliver(now, blackholed);
        }
    }
}
