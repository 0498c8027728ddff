//! `sim-devices`: the physical world of unlocksim.
//!
//! Mobility on a floor plan, radio propagation and the Bluetooth relative-RSSI observation chain,
//! Wi-Fi access points and roaming, networks with DHCP/DNS/VPN, and users. At any instant the
//! world can produce the [`engine::SignalSnapshot`] that the policy evaluator takes.
//!
//! What it must never do: read the wall clock, take entropy from the operating system (all
//! randomness comes from [`engine::RandomStreams`]), perform I/O, or iterate unordered hash maps.
