//! Log text in, readings or a located error out. The fixtures are written for these tests in
//! the real tools' formats (none is a copy of a real recording).

use rstest::rstest;

use super::*;

/// The readings of `text` as `time:value` (`-` for none), or the error as `line:col: message`.
fn check(text: &str, device: Option<&str>) -> String {
    let options = ReadOptions { device: device.map(str::to_owned) };
    match read_log(text, &options) {
        Ok(log) => {
            let readings: Vec<String> = log
                .readings
                .iter()
                .map(|r| {
                    let value = r.rssi_db.map_or("-".to_owned(), |v| v.to_string());
                    let place = r.place.as_deref().map_or(String::new(), |p| format!("@{p}"));
                    let distance = r.distance_m.map_or(String::new(), |d| format!("/{d}m"));
                    format!("{}:{value}{distance}{place}", r.time_s)
                })
                .collect();
            format!(
                "{} {} {}{}",
                log.format.name(),
                log.quantity.name(),
                log.device.map_or(String::new(), |d| format!("[{d}] ")),
                readings.join(" ")
            )
        }
        Err(error) => format!("{}:{}: {}", error.line, error.column, error.message),
    }
}

const BTMON_READ_RSSI: &str = "Bluetooth monitor ver 5.66\n\
< HCI Command: Read RSSI (0x05|0x0005) plen 2            #10 [hci0] 100.000100\n\
        Handle: 256\n\
> HCI Event: Command Complete (0x0e) plen 7              #11 [hci0] 100.001000\n\
      Read RSSI (0x05|0x0005) ncmd 1\n\
        Status: Success (0x00)\n\
        Handle: 256\n\
        RSSI: -5 dBm (0xfb)\n\
> HCI Event: Command Complete (0x0e) plen 7              #13 [hci0] 101.001000\n\
      Read RSSI (0x05|0x0005) ncmd 1\n\
        Status: Unknown Connection Identifier (0x02)\n\
        Handle: 256\n\
@ MGMT Event: Device Found (0x0012) plen 20        {0x0001} [hci0] 101.2\n\
        RSSI: -80 dBm (0xb0)\n\
> HCI Event: Command Complete (0x0e) plen 7              #15 [hci0] 102.001000\n\
      Read RSSI (0x05|0x0005) ncmd 1\n\
        Status: Success (0x00)\n\
        Handle: 256\n\
        RSSI: 0 dBm (0x00)\n";

/// Two advertisers in `btmon -T` form, with btmon's colour escapes.
const BTMON_ADVERTISING: &str = "> HCI Event: LE Meta Event (0x3e) plen 57      #1 2026-06-15 09:00:00.500000\r\n\
      LE Extended Advertising Report (0x0d)\r\n\
        Num reports: 1\r\n\
        Entry 0\r\n\
            Data status: \u{1b}[0;32mComplete\u{1b}[0m\r\n\
          Address: 40:11:22:33:44:55 (Resolvable)\r\n\
          TX power: 127 dBm\r\n\
          RSSI: -58 dBm (0xc6)\r\n\
          Direct address: 00:00:00:00:00:00 (OUI 00-00-00)\r\n\
> HCI Event: LE Meta Event (0x3e) plen 57      #2 2026-06-15 09:00:01.500000\r\n\
      LE Extended Advertising Report (0x0d)\r\n\
        Entry 0\r\n\
          Address: C0:11:22:33:44:56 (Static)\r\n\
          RSSI: -71 dBm (0xb9)\r\n\
> HCI Event: LE Meta Event (0x3e) plen 57      #3 2026-06-15 09:00:02.000000\r\n\
        Entry 0\r\n\
          Address: 40:11:22:33:44:55 (Resolvable)\r\n\
          RSSI: invalid (0x7f)\r\n";

/// `bluetoothctl` scan output as `script` saves it: colour escapes, readline markers, prompt
/// redraws, other properties, both RSSI forms, and two devices.
const BLUETOOTHCTL: &str = "Agent registered\n\
\u{1}\u{1b}[0;94m\u{2}[bluetooth]\u{1}\u{1b}[0m\u{2}# scan on\n\
Discovery started\n\
[\u{1b}[0;93mCHG\u{1b}[0m] Controller 00:1A:7D:DA:71:13 Discovering: yes\n\
[\u{1b}[0;92mNEW\u{1b}[0m] Device 5C:11:22:33:44:55 Pixel\n\
[\u{1b}[0;93mCHG\u{1b}[0m] Device 5C:11:22:33:44:55 RSSI: -67\n\
[\u{1b}[0;93mCHG\u{1b}[0m] Device 5C:11:22:33:44:55 ManufacturerData Key: 0x004c\n\
  02 15 aa bb                                      ....\n\
\r[CHG] Device 5C:11:22:33:44:55 RSSI: 0xffffffb5 (-75)\n\
[CHG] Device 7A:11:22:33:44:56 RSSI: 0xffffffc4 (-60)\n\
[CHG] Device 5C:11:22:33:44:55 TxPower: 0x000c (12)\n\
Discovery stopped\n\
[CHG] Device 5C:11:22:33:44:55 RSSI is nil\n";

/// bluetoothctl lines behind timestamps (`ts '%F %T'`) and lone `date` lines.
const BLUETOOTHCTL_TIMED: &str = "2026-06-15 09:00:00 [CHG] Device 5C:11:22:33:44:55 RSSI: -60\n\
2026-06-15 09:00:02 [CHG] Device 5C:11:22:33:44:55 RSSI: -62\n\
2026-06-15 09:00:05\n\
[CHG] Device 5C:11:22:33:44:55 RSSI: -70\n";

/// A bleak script's log: a missed scan in two wordings, the threshold note, a float value.
const BLEAK: &str = "2026-06-15 09:00:00, RSSI: Device not found dBm\n\
2026-06-15 09:00:08, Device not found.\n\
2026-06-15 09:00:16, RSSI: -74 dBm\n\
2026-06-15 09:00:26, RSSI: -91 dBm\n\
2026-06-15 09:00:26, RSSI: Device out of range dBm\n\
2026-06-15 09:00:36, RSSI: -80.0 dBm\n";

#[rstest]
// The CSV contract.
#[case::csv(
    "time_s,rssi_db,distance_m,place,kind\n0,0,0.6,desk,relative\n1,,0.6,desk,\n2.5,-7,5,door,relative\n",
    None,
    "csv relative 0:0/0.6m@desk 1:-/0.6m@desk 2.5:-7/5m@door"
)]
#[case::csv_minimal_crlf_reordered(
    "rssi_db,time_s\r\n-60,10\r\n# a comment\r\n\r\n-61,11\r\n",
    None,
    "csv relative 0:-60 1:-61"
)]
#[case::csv_dbm("time_s,rssi_db,kind\n0,-54.0,dbm\n1,-55,dbm\n", None, "csv dbm 0:-54 1:-55")]
#[case::csv_mixed_kinds(
    "time_s,rssi_db,kind\n0,-5,relative\n1,-60,dbm\n",
    None,
    "3:7: kind dbm after relative rows from line 2: one log holds one quantity (relative HCI readings and advertising dBm do not mix)"
)]
#[case::csv_bad_number(
    "time_s,rssi_db,distance_m\n0,-5,2\n1,minus five,2\n",
    None,
    "3:3: rssi_db: expected a number, got `minus five`"
)]
#[case::csv_nan_distance(
    "time_s,rssi_db,distance_m\n0,-5,NaN\n",
    None,
    "2:6: distance_m: expected 0..=10000, got `NaN`"
)]
#[case::csv_out_of_range(
    "time_s,rssi_db\n0,-300\n",
    None,
    "2:3: rssi_db: expected -128..=127, got `-300`"
)]
#[case::csv_unknown_column(
    "time_s,rssi_db,room\n",
    None,
    "1:16: unknown column `room`; the header is time_s,rssi_db,distance_m,place,kind"
)]
#[case::csv_missing_rssi_column(
    "time_s,distance_m,place\n0,1,a\n",
    None,
    "1:1: the header must name `rssi_db`"
)]
#[case::csv_short_row(
    "time_s,rssi_db,distance_m\n0,-5\n",
    None,
    "2:3: expected 3 fields as in the header, got 2"
)]
#[case::csv_quoted(
    "time_s,rssi_db,place\n0,-5,\"desk, left\"\n",
    None,
    "2:6: quoted fields are not supported"
)]
#[case::csv_time_backwards(
    "time_s,rssi_db\n5,-5\n4,-6\n",
    None,
    "3:1: time goes backwards (4 s after 5 s)"
)]
#[case::csv_bad_kind(
    "time_s,rssi_db,kind\n0,-5,hci\n",
    None,
    "2:6: kind: expected relative or dbm, got `hci`"
)]
// `hcitool rssi` loops: timestamp on the line or on its own line, errors as no reading.
#[case::hcitool_inline(
    "1781514000.0 RSSI return value: 0\n1781514001.0 RSSI return value: -4\n1781514002.0 Not connected.\n1781514003.5 Read RSSI failed: Input/output error\n",
    None,
    "hcitool relative 0:0 1:-4 2:- 3.5:-"
)]
#[case::hcitool_date_lines(
    "2026-06-15 09:00:00\nRSSI return value: -3\n2026-06-15 09:00:02\nCan't create connection: Input/output error\n",
    None,
    "hcitool relative 0:-3 2:-"
)]
#[case::hcitool_no_timestamp(
    "RSSI return value: -3\n",
    None,
    "1:1: a reading without a timestamp: print one before each poll (`date +%s.%N`)"
)]
#[case::hcitool_bad_value(
    "1781514000 RSSI return value: lots\n",
    None,
    "1:31: expected an integer reading, got `lots`"
)]
#[case::hcitool_stray_line(
    "1781514000 RSSI return value: -3\nhello\n",
    None,
    "2:1: unrecognised line `hello`: expected a timestamp, `RSSI return value: N` or an hcitool error"
)]
// btmon: Read RSSI replies (relative), failed status, MGMT duplicates skipped.
#[case::btmon_read_rssi(BTMON_READ_RSSI, None, "btmon relative [handle 256] 0:-5 1:- 2:0")]
#[case::btmon_ambiguous(
    BTMON_ADVERTISING,
    None,
    "0:0: the trace holds several devices; choose one with --device: 40:11:22:33:44:55 (2 dbm), C0:11:22:33:44:56 (1 dbm)"
)]
#[case::btmon_chosen(
    BTMON_ADVERTISING,
    Some("40:11:22:33:44:55"),
    "btmon dbm [40:11:22:33:44:55] 0:-58 1.5:-"
)]
#[case::btmon_chosen_case_insensitive(
    BTMON_ADVERTISING,
    Some("c0:11:22:33:44:56"),
    "btmon dbm [C0:11:22:33:44:56] 0:-71"
)]
#[case::btmon_unknown_device(
    BTMON_READ_RSSI,
    Some("7"),
    "0:0: device `handle 7` is not in the trace; it has handle 256 (3 relative)"
)]
#[case::btmon_no_time(
    "> HCI Event: Command Complete (0x0e) plen 7\n      Read RSSI (0x05|0x0005) ncmd 1\n",
    None,
    "1:43: a btmon frame header without a time"
)]
// bluetoothctl: both RSSI forms, devices by address, untimed at 0 s, timestamps carried.
#[case::bluetoothctl_ambiguous(
    BLUETOOTHCTL,
    None,
    "0:0: the trace holds several devices; choose one with --device: 5C:11:22:33:44:55 (2 dbm), 7A:11:22:33:44:56 (1 dbm)"
)]
#[case::bluetoothctl_chosen(
    BLUETOOTHCTL,
    Some("5c:11:22:33:44:55"),
    "bluetoothctl dbm [5C:11:22:33:44:55] 0:-67 0:-75"
)]
#[case::bluetoothctl_timed(
    BLUETOOTHCTL_TIMED,
    None,
    "bluetoothctl dbm [5C:11:22:33:44:55] 0:-60 2:-62 5:-70"
)]
#[case::bluetoothctl_ts_default(
    "Jun 30 23:59:59 [CHG] Device 5C:11:22:33:44:55 RSSI: -60\n\
     Jul  1 00:00:01.5 [bluetooth]# [CHG] Device 5C:11:22:33:44:55 RSSI: -61\n",
    None,
    "bluetoothctl dbm [5C:11:22:33:44:55] 0:-60 2.5:-61"
)]
#[case::bluetoothctl_hex_disagrees(
    "[CHG] Device 5C:11:22:33:44:55 RSSI: 0xffffffb5 (-60)\n",
    None,
    "1:38: expected an RSSI as `-67` or `0xffffffbd (-67)`, got `0xffffffb5 (-60)`"
)]
#[case::bluetoothctl_out_of_range(
    "[CHG] Device 5C:11:22:33:44:55 RSSI: -300\n",
    None,
    "1:38: RSSI -300 is outside -128..=127"
)]
#[case::bluetoothctl_no_rssi(
    "[NEW] Device 5C:11:22:33:44:55 Pixel\n[CHG] Device 5C:11:22:33:44:55 RSSI: x\n",
    None,
    "2:38: expected an RSSI as `-67` or `0xffffffbd (-67)`, got `x`"
)]
// Scan logs (bleak, bluetoothctl wrappers): missed scans as no reading, notes skipped.
#[case::bleak(BLEAK, None, "bleak dbm 0:- 8:- 16:-74 26:-91 36:-80")]
#[case::bluetoothctl_wrapper(
    "2026-06-15 09:00:00 - RSSI: -40 dBm\r\n2026-06-15 09:00:14 - RSSI: -35 dBm\r\n",
    None,
    "bleak dbm 0:-40 14:-35"
)]
#[case::bleak_bad_value(
    "2026-06-15 09:00:00, RSSI: -74 dBm\n2026-06-15 09:00:08, RSSI: loud dBm\n",
    None,
    "2:28: expected an RSSI in dBm or `Device not found`, got `loud`"
)]
#[case::bleak_out_of_range(
    "2026-06-15 09:00:00, RSSI: -740 dBm\n",
    None,
    "1:28: RSSI -740 is outside -128..=127"
)]
#[case::bleak_no_timestamp(
    "2026-06-15 09:00:00, RSSI: -74 dBm\nRSSI: -75 dBm\n",
    None,
    "2:1: expected a timestamp (`2026-06-15 09:00:01`) at the start of `RSSI: -75 dBm`"
)]
#[case::bleak_stray_text(
    "2026-06-15 09:00:00, RSSI: -74 dBm\n2026-06-15 09:00:08, scanning\n",
    None,
    "2:22: unrecognised line: expected `RSSI: N dBm` or `Device not found` after the timestamp, got `scanning`"
)]
#[case::bleak_time_backwards(
    "2026-06-15 09:00:08, RSSI: -74 dBm\n2026-06-15 09:00:00, RSSI: -75 dBm\n",
    None,
    "2:1: time goes backwards (1781514000 s after 1781514008 s)"
)]
#[case::unknown_format(
    "{\"rssi\": -5}\n",
    None,
    "1:1: unrecognised log: expected the CSV header `time_s,rssi_db,distance_m,place,kind`, `hcitool rssi` output (`RSSI return value: N` lines), a btmon text trace, bluetoothctl scan output (`[CHG] Device ADDR RSSI: N` lines) or a scan log (`2026-06-15 09:00:01, RSSI: -74 dBm` lines)"
)]
#[case::empty("", None, "1:1: the log holds no readings")]
fn logs_are_read_or_refused_with_a_position(
    #[case] text: &str,
    #[case] device: Option<&str>,
    #[case] expect: &str,
) {
    assert_eq!(check(text, device), expect);
}

#[test]
fn ansi_escapes_are_removed() {
    assert_eq!(strip_ansi("a\u{1b}[0;32mComplete\u{1b}[0m b"), "aComplete b");
}

/// The line bound, at it and one past it (blank lines count: the file bound alone would let
/// a 1 MiB file of newlines through).
#[test]
fn lines_are_bounded() {
    let at = format!("time_s,rssi_db\n0,-5{}", "\n".repeat(LOG_LINES_MAX - 2));
    assert_eq!(at.split('\n').count(), LOG_LINES_MAX);
    assert!(read_log(&at, &ReadOptions::default()).is_ok());
    let past = format!("{at}\n");
    let error = read_log(&past, &ReadOptions::default()).unwrap_err();
    assert_eq!(
        (error.line, error.message.as_str()),
        (LOG_LINES_MAX + 1, "more than 1000000 lines (LOG_LINES_MAX)")
    );
}

/// The devices bound of a btmon trace, at it and one past it.
#[test]
fn devices_are_bounded() {
    let trace = |devices: usize| -> String {
        (0..devices)
            .map(|i| {
                format!(
                    "> HCI Event: LE Meta Event (0x3e) plen 40  #{i} [hci0] {i}.0\n        Address: \
                     40:00:00:00:{:02X}:{:02X}\n        RSSI: -60 dBm (0xc4)\n",
                    i / 256,
                    i % 256
                )
            })
            .collect()
    };
    let options = ReadOptions { device: Some("40:00:00:00:00:00".to_owned()) };
    assert!(read_log(&trace(LOG_DEVICES_MAX), &options).is_ok());
    let error = read_log(&trace(LOG_DEVICES_MAX + 1), &options).unwrap_err();
    assert_eq!(error.message, "more than 1000 devices (LOG_DEVICES_MAX)");
}

/// The devices bound holds for bluetoothctl transcripts too, at it and one past it.
#[test]
fn bluetoothctl_devices_are_bounded() {
    let transcript = |devices: usize| -> String {
        (0..devices)
            .map(|i| {
                format!("[CHG] Device 40:00:00:00:{:02X}:{:02X} RSSI: -60\n", i / 256, i % 256)
            })
            .collect()
    };
    let options = ReadOptions { device: Some("40:00:00:00:00:00".to_owned()) };
    assert!(read_log(&transcript(LOG_DEVICES_MAX), &options).is_ok());
    let error = read_log(&transcript(LOG_DEVICES_MAX + 1), &options).unwrap_err();
    assert_eq!(error.message, "more than 1000 devices (LOG_DEVICES_MAX)");
}

/// The readings bound of the scan formats, at it and one past it (the error names the first
/// reading past it).
#[rstest]
#[case::bleak("{i}, RSSI: -60 dBm\n")]
#[case::bluetoothctl("[CHG] Device 5C:11:22:33:44:55 RSSI: -60\n")]
fn scan_log_readings_are_bounded(#[case] line: &str) {
    let log = |readings: usize| -> String {
        (0..readings).map(|i| line.replace("{i}", &i.to_string())).collect()
    };
    assert!(read_log(&log(LOG_READINGS_MAX), &ReadOptions::default()).is_ok());
    let error = read_log(&log(LOG_READINGS_MAX + 1), &ReadOptions::default()).unwrap_err();
    assert_eq!(
        (error.line, error.message.as_str()),
        (LOG_READINGS_MAX + 1, "more than 200000 readings (LOG_READINGS_MAX)")
    );
}
