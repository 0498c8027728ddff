//! The rule-XML parser: text in, a typed [`RuleSet`] and every diagnostic out.
//!
//! Source: seed 003 (`docs/model.md`): elements, attributes and constraints; design section 3.2.
//! It reads with quick-xml's event reader (not serde), so every element, attribute and text has
//! a byte span for diagnostics. Parsing has two passes: the reader turns the text into a bounded
//! list of tokens (stopping at the first syntax error, after which nothing is reliable), then a
//! structural pass checks every rule and collects all problems rather than the first.
//!
//! Bounds: input at most [`RULES_BYTES_MAX`], nesting at most [`RULE_NESTING_DEPTH_MAX`], at
//! most [`RULES_PER_LIST_MAX`] rules, at most [`SIGNAL_ELEMENTS_MAX`] elements in a signal.
//! DOCTYPE, entity references other than the five predefined ones and numeric character
//! references, processing instructions and the XML declaration are rejected.

use std::net::{Ipv4Addr, Ipv6Addr};
use std::ops::Range;

use ipnet::{Ipv4Net, Ipv6Net};
use quick_xml::events::Event;
use quick_xml::reader::Reader;

use super::rules::{
    BluetoothSignal, DEVICE_CLASSES, IpConfigSignal, MacAddress, Rule, RuleSet, ScopedIpv6,
    Security, Signal, SignalScenario, Thumbprint, WifiSignal,
};
use crate::diagnostic::suggest::{closest, did_you_mean};
use crate::diagnostic::{Diagnostic, SourceFile, floor_boundary};

/// Largest rule text accepted, in bytes.
pub const RULES_BYTES_MAX: usize = 64 * 1024;
/// Deepest element nesting accepted (`rule` > `and` > `signal` > element is 4).
pub const RULE_NESTING_DEPTH_MAX: usize = 8;
/// Most rules accepted in one list.
pub const RULES_PER_LIST_MAX: usize = 256;
/// Most child elements (`ipv4Prefix`, `ssid`...) in one signal.
pub const SIGNAL_ELEMENTS_MAX: usize = 64;
/// Most XML tokens (start tags, end tags, text runs) read before structure is judged: room for
/// [`RULES_PER_LIST_MAX`] rules of 64 tokens each. Reachable within [`RULES_BYTES_MAX`]
/// (`a<b/>` is two tokens in five bytes), so it bounds the token list of a file of many tiny
/// elements.
pub const XML_TOKENS_MAX: usize = 4 * RULES_PER_LIST_MAX * 16;
/// `rssiMin` below this is never reached by a connected phone: a warning.
pub const RSSI_MIN_WARNING_BELOW: i32 = -40;

/// The elements of an `ipConfig` signal (seed 003), as a rule file writes them; the reference
/// page `docs/formats/policy.md` is checked against this list.
pub const IPCONFIG_ELEMENTS: [&str; 9] = [
    "ipv4Prefix",
    "ipv4Gateway",
    "ipv4DhcpServer",
    "ipv4DnsServer",
    "ipv6Prefix",
    "ipv6Gateway",
    "ipv6DhcpServer",
    "ipv6DnsServer",
    "dnsSuffix",
];
/// The elements of a `wifi` signal (seed 003).
pub const WIFI_ELEMENTS: [&str; 5] = ["ssid", "bssid", "security", "trustedRootCA", "sig_quality"];
/// The attributes of a `bluetooth` signal (seed 003), `type` included.
pub const BLUETOOTH_ATTRIBUTES: [&str; 5] =
    ["type", "scenario", "classOfDevice", "rssiMin", "rssiMaxDelta"];
/// The values of a signal's `type` attribute (seed 003).
pub const SIGNAL_TYPES: [&str; 3] = ["bluetooth", "ipConfig", "wifi"];

/// Parses a rule list for the setting whose Bluetooth signals carry `scenario` (a policy file's
/// `device_unlock` or `dynamic_lock` rules). Returns the rule set when there is no error, and
/// every diagnostic (errors and warnings) either way.
pub fn parse_rules(
    source: &SourceFile,
    scenario: SignalScenario,
) -> (Option<RuleSet>, Vec<Diagnostic>) {
    let mut parser = Parser::new(source, scenario, Setting::Given);
    let rules = parser.run();
    let has_errors = parser.diagnostics.iter().any(Diagnostic::is_error);
    (rules.filter(|_| !has_errors), parser.diagnostics)
}

/// A standalone rule file, parsed for the setting it is for.
#[derive(Debug, Clone)]
pub struct RuleFile {
    /// The rule set, when there is no error.
    pub rules: Option<RuleSet>,
    /// The setting the rules were checked for: given, or inferred from the signals.
    pub scenario: SignalScenario,
    /// Every error and warning.
    pub diagnostics: Vec<Diagnostic>,
}

/// Parses a standalone rule file for the setting `given` (`--setting`), or, when `None`, for
/// the one its Bluetooth signals' `scenario` attributes name (design 3.1): `Dynamic Lock` is
/// `DynamicLock/Plugins`, `Authentication` is `DeviceUnlock/Plugins`. A file that names no
/// scenario is for `DeviceUnlock/Plugins`, the only setting that takes wifi and ipConfig
/// signals. A file naming both is an error (`rules::mixed-scenarios`) whatever the setting.
pub fn parse_rule_file(source: &SourceFile, given: Option<SignalScenario>) -> RuleFile {
    let (scenario, setting) = match given {
        Some(scenario) => (scenario, Setting::Given),
        None => (SignalScenario::Authentication, Setting::Inferred),
    };
    let mut parser = Parser::new(source, scenario, setting);
    let rules = parser.run();
    let has_errors = parser.diagnostics.iter().any(Diagnostic::is_error);
    RuleFile {
        rules: rules.filter(|_| !has_errors),
        scenario: parser.scenario,
        diagnostics: parser.diagnostics,
    }
}

/// A warning when a rule text spans several lines: the Intune and Group Policy setting must be
/// a single line. For standalone rule files; YAML policy files may wrap rules freely.
pub fn check_single_line(source: &SourceFile) -> Option<Diagnostic> {
    let trimmed = source.text.trim();
    let offset = source.text.len() - source.text.trim_start().len();
    let newline = trimmed.find('\n')?;
    Some(
        Diagnostic::warning(
            "rules::multi-line",
            "the rules span several lines; the Intune/Group Policy setting must be one line",
        )
        .at(source, offset + newline..offset + newline + 1)
        .with_label("line break")
        .with_hint("`unlocksim policy fmt --single-line FILE` prints the pasteable form"),
    )
}

/// A signal's child element: (name, (text, text span), element span).
type Child = (String, (String, Range<usize>), Range<usize>);

/// One attribute as written.
#[derive(Debug, Clone)]
struct Attribute {
    name: String,
    value: String,
    name_span: Range<usize>,
    value_span: Range<usize>,
}

/// The reader's output, reduced to what the structural pass needs.
#[derive(Debug, Clone)]
enum Token {
    /// An opening tag; `empty` for `<x/>` (no matching `End` token follows).
    Start {
        name: String,
        attributes: Vec<Attribute>,
        span: Range<usize>,
        empty: bool,
    },
    End {
        span: Range<usize>,
    },
    /// Character data with references resolved; adjacent pieces are merged.
    Text {
        text: String,
        span: Range<usize>,
    },
}

/// How the parser knows which setting the rules are for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Setting {
    /// The caller said (a policy file's section, `--setting`).
    Given,
    /// To be read from the first `scenario` attribute; Authentication until one is found.
    Inferred,
    /// Inferred, but no signal names a scenario: the setting is a guess.
    Unknown,
}

struct Parser<'a> {
    source: &'a SourceFile,
    diagnostics: Vec<Diagnostic>,
    /// The scenario of the setting the rules are checked for.
    scenario: SignalScenario,
    setting: Setting,
    /// Whether the signals name both scenarios (reported once, so per-signal scenario and
    /// Dynamic Lock checks stay quiet).
    mixed: bool,
}

/// Where the structural pass is in the token list.
struct Cursor {
    tokens: Vec<Token>,
    next: usize,
}

impl Cursor {
    fn take(&mut self) -> Option<Token> {
        let token = self.tokens.get(self.next).cloned();
        self.next += usize::from(token.is_some());
        token
    }

    /// After a non-empty `Start` was taken: skips to just past its matching `End`.
    fn skip_children(&mut self) {
        let mut depth = 1usize;
        while let Some(token) = self.take() {
            match token {
                Token::Start { empty: false, .. } => depth += 1,
                Token::End { .. } => {
                    depth -= 1;
                    if depth == 0 {
                        return;
                    }
                }
                _ => {}
            }
        }
    }
}

impl<'a> Parser<'a> {
    fn new(source: &'a SourceFile, scenario: SignalScenario, setting: Setting) -> Parser<'a> {
        Parser { source, diagnostics: Vec::new(), scenario, setting, mixed: false }
    }

    /// Whether Dynamic Lock's own constraints apply.
    fn dynamic_lock(&self) -> bool {
        self.scenario == SignalScenario::DynamicLock && !self.mixed
    }

    /// Settles the setting from the written `scenario` attributes (when inferring) and reports
    /// a list that names both scenarios, at the first signal of the second one.
    fn settle_setting(&mut self, tokens: &[Token]) {
        let written = written_scenarios(tokens);
        if self.setting == Setting::Inferred {
            match written.first() {
                Some(&(first, _)) => self.scenario = first,
                None => self.setting = Setting::Unknown,
            }
        }
        let Some(&(first, _)) = written.first() else { return };
        let Some((second, at)) = written.iter().find(|(s, _)| *s != first).cloned() else {
            return;
        };
        self.mixed = true;
        let [auth, dynamic] = SignalScenario::ALL;
        self.error(
            "rules::mixed-scenarios",
            format!(
                "the rules mix scenario \"{}\" ({}) and scenario \"{}\" ({})",
                first.as_str(),
                first.setting(),
                second.as_str(),
                second.setting()
            ),
            at,
        )
        .with_label(format!("first \"{}\" signal", second.as_str()))
        .with_hint(format!(
            "a rule list is one setting's value: put the \"{}\" rules in {} and the \"{}\" \
            rule in {}",
            auth.as_str(),
            auth.setting(),
            dynamic.as_str(),
            dynamic.setting()
        ));
    }

    fn error(&mut self, code: &str, message: String, span: Range<usize>) -> Pending<'_> {
        self.diagnostics.push(Diagnostic::error(code, message).at(self.source, span));
        Pending(self.diagnostics.last_mut().expect("just pushed"))
    }

    fn warning(&mut self, code: &str, message: String, span: Range<usize>) -> Pending<'_> {
        self.diagnostics.push(Diagnostic::warning(code, message).at(self.source, span));
        Pending(self.diagnostics.last_mut().expect("just pushed"))
    }

    fn run(&mut self) -> Option<RuleSet> {
        let text = self.source.text.clone();
        if text.len() > RULES_BYTES_MAX {
            self.diagnostics.push(
                Diagnostic::error(
                    "xml::too-large",
                    format!(
                        "the rule text is {} bytes, more than the limit of {RULES_BYTES_MAX}",
                        text.len()
                    ),
                )
                .at(self.source, 0..0),
            );
            return None;
        }
        let tokens = self.tokenize(&text)?;
        self.settle_setting(&tokens);
        let mut cursor = Cursor { tokens, next: 0 };
        Some(self.rule_list(&mut cursor))
    }

    /// Reads the whole text into tokens; `None` after a syntax error (already reported).
    fn tokenize(&mut self, text: &str) -> Option<Vec<Token>> {
        let mut reader = Reader::from_str(text);
        let mut tokens: Vec<Token> = Vec::new();
        let mut depth = 0usize;
        // The elements open at this point, innermost last: one left at the end is unclosed.
        let mut open: Vec<(String, Range<usize>)> = Vec::new();
        loop {
            let start = usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX);
            let event = match reader.read_event() {
                Ok(event) => event,
                Err(error) => {
                    self.syntax_error(text, &error, &reader, start);
                    return None;
                }
            };
            let end = usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX);
            let span = start..end;
            match event {
                Event::Eof => {
                    if let Some((name, span)) = open.pop() {
                        self.error(
                            "xml::unclosed",
                            format!("`<{name}>` is never closed: the text ends first"),
                            span,
                        )
                        .with_hint(format!(
                            "close it with `</{name}>` (or write `<{name} ... />`)"
                        ));
                        return None;
                    }
                    break;
                }
                Event::Start(ref element) | Event::Empty(ref element) => {
                    let empty = matches!(event, Event::Empty(_));
                    let name = element.name().as_ref().to_string();
                    if !empty {
                        open.push((name.clone(), span.clone()));
                        depth += 1;
                        if depth > RULE_NESTING_DEPTH_MAX {
                            self.error(
                                "xml::too-deep",
                                format!(
                                    "elements nest deeper than {RULE_NESTING_DEPTH_MAX} levels"
                                ),
                                span,
                            )
                            .with_hint("a rule is at most <rule><and><signal><element>");
                            return None;
                        }
                    }
                    let mut attributes = Vec::new();
                    for attribute in element.attributes().with_checks(true) {
                        let attribute = match attribute {
                            Ok(attribute) => attribute,
                            Err(error) => {
                                self.error(
                                    "xml::attribute",
                                    format!("malformed attribute in <{name}>: {error}"),
                                    span.clone(),
                                );
                                return None;
                            }
                        };
                        let key = attribute.key.as_ref();
                        let name_start = offset_in(text, key.as_bytes()).unwrap_or(span.start);
                        let name_span = name_start..name_start + key.len();
                        let value_start =
                            offset_in(text, attribute.value.as_bytes()).unwrap_or(span.start);
                        let value_span = value_start..value_start + attribute.value.len();
                        let value =
                            match attribute.normalized_value(quick_xml::XmlVersion::Implicit1_0) {
                                Ok(value) => value.into_owned(),
                                Err(error) => {
                                    self.error(
                                        "xml::entity",
                                        format!(
                                            "attribute value uses an unsupported reference: {error}"
                                        ),
                                        value_span,
                                    )
                                    .with_hint(
                                        "only &amp; &lt; &gt; &quot; &apos; and &#NN; are allowed",
                                    );
                                    return None;
                                }
                            };
                        attributes.push(Attribute {
                            name: key.to_string(),
                            value,
                            name_span,
                            value_span,
                        });
                    }
                    tokens.push(Token::Start { name, attributes, span, empty });
                }
                Event::End(_) => {
                    open.pop();
                    depth = depth.saturating_sub(1);
                    tokens.push(Token::End { span });
                }
                Event::Text(ref content) => {
                    let piece = content.xml10_content().into_owned();
                    push_text(&mut tokens, &piece, span);
                }
                Event::GeneralRef(ref reference) => {
                    let resolved = match reference.resolve_char_ref() {
                        Ok(Some(c)) => Some(c),
                        Ok(None) => match reference.as_ref() {
                            "amp" => Some('&'),
                            "lt" => Some('<'),
                            "gt" => Some('>'),
                            "quot" => Some('"'),
                            "apos" => Some('\''),
                            _ => None,
                        },
                        Err(_) => None,
                    };
                    match resolved {
                        Some(c) => push_text(&mut tokens, &c.to_string(), span),
                        None => {
                            self.error(
                                "xml::entity",
                                format!(
                                    "entity reference `&{};` is not allowed",
                                    clip(reference.as_ref())
                                ),
                                span,
                            )
                            .with_hint("only &amp; &lt; &gt; &quot; &apos; and &#NN; are allowed");
                            return None;
                        }
                    }
                }
                Event::Comment(_) => {}
                Event::CData(_) => {
                    self.error("xml::cdata", "CDATA sections are not allowed".into(), span)
                        .with_hint("write the value as plain text, escaping & and < as &amp; &lt;");
                    return None;
                }
                Event::Decl(_) => {
                    self.error(
                        "xml::declaration",
                        "an XML declaration is not allowed in signal rules".into(),
                        span,
                    )
                    .with_hint("remove `<?xml ...?>`: the setting starts with <rule");
                    return None;
                }
                Event::PI(_) => {
                    self.error(
                        "xml::processing-instruction",
                        "processing instructions are not allowed".into(),
                        span,
                    );
                    return None;
                }
                Event::DocType(_) => {
                    self.error(
                        "xml::doctype",
                        "DOCTYPE is not allowed in signal rules".into(),
                        span,
                    )
                    .with_hint("remove the <!DOCTYPE ...> declaration; entities are not supported");
                    return None;
                }
            }
            if tokens.len() > XML_TOKENS_MAX {
                self.error(
                    "xml::too-many-tokens",
                    format!("more than {XML_TOKENS_MAX} XML tags and text runs"),
                    start..end,
                );
                return None;
            }
        }
        Some(tokens)
    }

    fn syntax_error(
        &mut self,
        text: &str,
        error: &quick_xml::Error,
        reader: &Reader<&[u8]>,
        event_start: usize,
    ) {
        let position = usize::try_from(reader.error_position()).unwrap_or(event_start);
        let position = floor_boundary(text, position);
        let event_start = floor_boundary(text, event_start);
        let message = error.to_string();
        let span_end =
            text[position..].chars().next().map_or(position, |c| position + c.len_utf8());
        let hint = if message.contains("expected `</") || message.contains("close tag") {
            let rest = &text[event_start.min(text.len())..];
            let tag_end = rest.find('>').map_or(rest.len(), |i| i + 1);
            if rest.starts_with("</")
                && rest[..tag_end].contains('<').then_some(()).is_some()
                && rest[2..tag_end].contains('<')
            {
                Some("a closing tag seems to lack its `>`")
            } else {
                Some("every element must be closed by its own end tag")
            }
        } else if message.contains("not closed") || message.contains("Unexpected EOF") {
            Some("a tag seems to lack its `>` or an element its end tag")
        } else {
            None
        };
        let diagnostic =
            self.error("xml::syntax", format!("malformed XML: {message}"), position..span_end);
        if let Some(hint) = hint {
            diagnostic.with_hint(hint);
        }
    }

    /// `rule ("," rule)*` with whitespace around.
    fn rule_list(&mut self, cursor: &mut Cursor) -> RuleSet {
        let mut rules = Vec::new();
        // Whether a comma was seen since the previous rule (true before the first rule).
        let mut separated = true;
        let mut last_comma: Option<Range<usize>> = None;
        let mut seen_rule = false;
        while let Some(token) = cursor.take() {
            match token {
                Token::Text { text, span } => {
                    let trimmed = text.trim();
                    if trimmed.is_empty() {
                        continue;
                    }
                    let leading = text.len() - text.trim_start().len();
                    let at = span.start + leading..span.start + leading + trimmed.len();
                    if trimmed == "," && seen_rule && !separated {
                        separated = true;
                        last_comma = Some(at);
                    } else if trimmed.chars().all(|c| c == ',' || c.is_whitespace()) {
                        self.error(
                            "rules::comma",
                            "rules are separated by exactly one comma".into(),
                            at,
                        )
                        .with_hint("write `</rule>,<rule ...>`");
                    } else {
                        self.error(
                            "rules::text",
                            format!("unexpected text `{}` between rules", clip(trimmed)),
                            at,
                        )
                        .with_hint("signal rules are <rule> elements separated by commas");
                    }
                }
                Token::End { span } => {
                    self.error("xml::syntax", "unexpected closing tag".into(), span);
                }
                Token::Start { ref name, ref span, empty, .. } => {
                    if name != "rule" {
                        let hint = if name == "signal" || name == "and" {
                            "wrap it in <rule schemaVersion=\"1.0\">...</rule>".to_string()
                        } else {
                            "signal rules are <rule schemaVersion=\"1.0\"> elements".to_string()
                        };
                        self.error(
                            "rules::unknown-element",
                            format!("expected <rule>, found <{name}>"),
                            span.clone(),
                        )
                        .with_hint(hint);
                        if !empty {
                            cursor.skip_children();
                        }
                        continue;
                    }
                    if !separated {
                        self.error(
                            "rules::missing-comma",
                            "missing comma between rules".into(),
                            span.start..span.start + 1,
                        )
                        .with_label("a comma belongs before this rule")
                        .with_hint(
                            "alternative rules are separated by commas: `</rule>,<rule ...>`",
                        );
                    }
                    separated = false;
                    last_comma = None;
                    seen_rule = true;
                    if rules.len() == RULES_PER_LIST_MAX {
                        self.error(
                            "rules::too-many",
                            format!("more than {RULES_PER_LIST_MAX} rules"),
                            span.clone(),
                        );
                        return RuleSet { rules };
                    }
                    if let Some(rule) = self.rule(&token, cursor) {
                        rules.push(rule);
                    }
                }
            }
        }
        if let Some(comma) = last_comma {
            self.error("rules::comma", "a comma after the last rule".into(), comma)
                .with_hint("remove the trailing comma");
        }
        if !seen_rule {
            let end = self.source.text.len();
            self.error("rules::empty", "no <rule> found".into(), 0..end)
                .with_hint("write at least one <rule schemaVersion=\"1.0\">...</rule>");
        }
        RuleSet { rules }
    }

    /// One `<rule>`, its `Start` token already taken.
    fn rule(&mut self, start: &Token, cursor: &mut Cursor) -> Option<Rule> {
        let Token::Start { attributes, span, empty, .. } = start else { return None };
        let mut ok = self.schema_version(attributes, span);
        if *empty {
            self.error("rules::empty-rule", "the rule holds no signal".into(), span.clone())
                .with_hint("a rule holds one <signal> or one <and> of signals");
            return None;
        }
        let mut children: Vec<(Option<Rule>, Range<usize>)> = Vec::new();
        while let Some(token) = cursor.take() {
            match token {
                Token::End { .. } => break,
                Token::Text { text, span } => ok &= self.only_whitespace(&text, span, "rule"),
                Token::Start { ref name, ref span, empty, .. } => match name.as_str() {
                    "signal" => {
                        let signal = self.signal(&token, cursor);
                        children.push((signal.map(Rule::Signal), span.clone()));
                    }
                    "and" => {
                        if self.dynamic_lock() {
                            ok = false;
                            self.error(
                                "rules::dynamic-lock-and",
                                "a Dynamic Lock rule is one bluetooth signal, not an <and>".into(),
                                span.clone(),
                            )
                            .with_hint(
                                "write the bluetooth signal alone, without <and>: with several \
                                paired phones, any one straying locks",
                            );
                        }
                        let signals = self.and(&token, cursor);
                        children.push((signals.map(Rule::And), span.clone()));
                    }
                    other => {
                        ok = false;
                        let hint = if other.eq_ignore_ascii_case("or") {
                            "there is no <or>: write alternatives as separate rules joined by \
                            commas, `</rule>,<rule ...>`"
                                .to_string()
                        } else {
                            did_you_mean(other, &["signal", "and"])
                        };
                        self.error(
                            "rules::unknown-element",
                            format!("unknown element <{other}> in <rule>"),
                            span.clone(),
                        )
                        .with_hint(hint);
                        if !empty {
                            cursor.skip_children();
                        }
                    }
                },
            }
        }
        match children.len() {
            0 if ok => {
                self.error("rules::empty-rule", "the rule holds no signal".into(), span.clone())
                    .with_hint("a rule holds one <signal> or one <and> of signals");
                None
            }
            0 => None,
            1 => children.pop().and_then(|(rule, _)| rule).filter(|_| ok),
            _ => {
                let second = children[1].1.clone();
                self.error(
                    "rules::several-children",
                    "a rule holds exactly one <signal> or one <and>".into(),
                    second,
                )
                .with_hint(
                    "combine signals with <and>...</and>, or make separate rules joined by commas",
                );
                None
            }
        }
    }

    fn schema_version(&mut self, attributes: &[Attribute], span: &Range<usize>) -> bool {
        let mut ok = true;
        let mut found = false;
        for attribute in attributes {
            match attribute.name.as_str() {
                "schemaVersion" => {
                    found = true;
                    if attribute.value != "1.0" {
                        ok = false;
                        self.error(
                            "rules::schema-version",
                            format!("unsupported schemaVersion \"{}\"", clip(&attribute.value)),
                            attribute.value_span.clone(),
                        )
                        .with_hint("the only supported schema version is \"1.0\"");
                    }
                }
                other => {
                    ok = false;
                    let hint = if other.eq_ignore_ascii_case("version")
                        || closest(other, &["schemaVersion"]).is_some()
                    {
                        "the attribute is `schemaVersion`: <rule schemaVersion=\"1.0\">".to_string()
                    } else {
                        "<rule> takes only schemaVersion=\"1.0\"".to_string()
                    };
                    self.error(
                        "rules::unknown-attribute",
                        format!("unknown attribute `{other}` on <rule>"),
                        attribute.name_span.clone(),
                    )
                    .with_hint(hint);
                }
            }
        }
        if !found {
            ok = false;
            let hint = if attributes.iter().any(|a| a.name.eq_ignore_ascii_case("version")) {
                "write schemaVersion=\"1.0\" instead of version=..."
            } else {
                "write <rule schemaVersion=\"1.0\">"
            };
            self.error(
                "rules::schema-version",
                "the rule has no schemaVersion attribute".into(),
                span.start..span.start + 5.min(span.len()),
            )
            .with_hint(hint);
        }
        ok
    }

    fn only_whitespace(&mut self, text: &str, span: Range<usize>, parent: &str) -> bool {
        if text.trim().is_empty() {
            return true;
        }
        self.error(
            "rules::text",
            format!("unexpected text `{}` in <{parent}>", clip(text.trim())),
            span,
        );
        false
    }

    /// One `<and>`, its `Start` token already taken.
    fn and(&mut self, start: &Token, cursor: &mut Cursor) -> Option<Vec<Signal>> {
        let Token::Start { attributes, span, empty, .. } = start else { return None };
        let mut ok = self.no_attributes(attributes, "and");
        let mut signals = Vec::new();
        if !*empty {
            while let Some(token) = cursor.take() {
                match token {
                    Token::End { .. } => break,
                    Token::Text { text, span } => ok &= self.only_whitespace(&text, span, "and"),
                    Token::Start { ref name, ref span, empty, .. } => {
                        if name == "signal" {
                            match self.signal(&token, cursor) {
                                Some(signal) => signals.push(signal),
                                None => ok = false,
                            }
                        } else {
                            ok = false;
                            let hint = if name == "and" || name == "or" {
                                "<and> holds signals only; it does not nest".to_string()
                            } else {
                                did_you_mean(name, &["signal"])
                            };
                            self.error(
                                "rules::unknown-element",
                                format!("unknown element <{name}> in <and>"),
                                span.clone(),
                            )
                            .with_hint(hint);
                            if !empty {
                                cursor.skip_children();
                            }
                        }
                    }
                }
            }
        }
        if signals.is_empty() && ok {
            self.error("rules::empty-and", "<and> holds no signal".into(), span.clone());
            return None;
        }
        ok.then_some(signals)
    }

    fn no_attributes(&mut self, attributes: &[Attribute], element: &str) -> bool {
        for attribute in attributes {
            self.error(
                "rules::unknown-attribute",
                format!("<{element}> takes no attributes, found `{}`", attribute.name),
                attribute.name_span.clone(),
            );
        }
        attributes.is_empty()
    }

    /// One `<signal>`, its `Start` token already taken.
    fn signal(&mut self, start: &Token, cursor: &mut Cursor) -> Option<Signal> {
        let Token::Start { attributes, span, empty, .. } = start else { return None };
        let Some(type_attribute) = attributes.iter().find(|a| a.name == "type") else {
            self.error(
                "rules::signal-type",
                "the signal has no type attribute".into(),
                span.clone(),
            )
            .with_hint("write type=\"bluetooth\", type=\"ipConfig\" or type=\"wifi\"");
            if !*empty {
                cursor.skip_children();
            }
            return None;
        };
        let signal_type = type_attribute.value.as_str();
        if !SIGNAL_TYPES.contains(&signal_type) {
            self.error(
                "rules::signal-type",
                format!("unknown signal type \"{}\"", clip(signal_type)),
                type_attribute.value_span.clone(),
            )
            .with_hint(did_you_mean(signal_type, &SIGNAL_TYPES));
            if !*empty {
                cursor.skip_children();
            }
            return None;
        }
        if self.dynamic_lock() && signal_type != "bluetooth" {
            self.error(
                "rules::dynamic-lock-type",
                format!("Dynamic Lock rules must be bluetooth signals, not {signal_type}"),
                type_attribute.value_span.clone(),
            )
            .with_hint(
                "Microsoft fixes Dynamic Lock to type=\"bluetooth\" scenario=\"Dynamic Lock\"; \
                a wifi or ipConfig rule belongs in DeviceUnlock/Plugins (trusted signal)",
            );
        }
        let children =
            if *empty { Some(Vec::new()) } else { self.signal_children(cursor, signal_type) };
        let mut ok = children.is_some();
        let children = children.unwrap_or_default();
        match signal_type {
            "bluetooth" => {
                // The hint keeps the scenario as written: it is not this error's to change.
                let scenario = attributes
                    .iter()
                    .find_map(|a| (a.name == "scenario").then(|| SignalScenario::parse(&a.value)))
                    .flatten()
                    .unwrap_or(self.scenario)
                    .as_str();
                for (name, _, span) in &children {
                    ok = false;
                    self.error(
                        "rules::bluetooth-children",
                        format!("bluetooth signals have no child elements, found <{name}>"),
                        span.clone(),
                    )
                    .with_hint(format!(
                        "bluetooth settings are attributes: <signal type=\"bluetooth\" \
                        scenario=\"{scenario}\" rssiMin=\"-10\"/>"
                    ));
                }
                let bluetooth = self.bluetooth(attributes, span);
                bluetooth.filter(|_| ok).map(Signal::Bluetooth)
            }
            other => {
                for attribute in attributes.iter().filter(|a| a.name != "type") {
                    ok = false;
                    let hint = if BLUETOOTH_ATTRIBUTES.contains(&attribute.name.as_str()) {
                        format!("`{}` applies to bluetooth signals only", attribute.name)
                    } else {
                        format!(
                            "{other} signals take only the type attribute; settings are child \
                            elements"
                        )
                    };
                    self.error(
                        "rules::unknown-attribute",
                        format!("unknown attribute `{}` on a {other} signal", attribute.name),
                        attribute.name_span.clone(),
                    )
                    .with_hint(hint);
                }
                let signal = if other == "wifi" {
                    self.wifi(&children, span).map(Signal::Wifi)
                } else {
                    self.ip_config(&children, span).map(Signal::IpConfig)
                };
                signal.filter(|_| ok)
            }
        }
    }

    /// The child elements of a non-empty `<signal>` as (name, text, span of the element), after
    /// checking each holds only text and has no attributes. `None` if any child is malformed.
    fn signal_children(&mut self, cursor: &mut Cursor, signal_type: &str) -> Option<Vec<Child>> {
        let mut ok = true;
        let mut children = Vec::new();
        while let Some(token) = cursor.take() {
            match token {
                Token::End { .. } => break,
                Token::Text { text, span } => ok &= self.only_whitespace(&text, span, "signal"),
                Token::Start { name, attributes, span, empty } => {
                    for attribute in &attributes {
                        ok = false;
                        self.error(
                            "rules::unknown-attribute",
                            format!("<{name}> takes no attributes, found `{}`", attribute.name),
                            attribute.name_span.clone(),
                        );
                    }
                    let mut text = String::new();
                    let mut text_span = span.end..span.end;
                    if !empty {
                        loop {
                            match cursor.take() {
                                Some(Token::Text { text: t, span: s }) => {
                                    text.push_str(&t);
                                    text_span = s;
                                }
                                Some(Token::End { .. }) | None => break,
                                Some(Token::Start { name: inner, span: s, empty, .. }) => {
                                    ok = false;
                                    self.error(
                                        "rules::nested-element",
                                        format!(
                                            "<{name}> holds a value, not the element <{inner}>"
                                        ),
                                        s,
                                    );
                                    if !empty {
                                        cursor.skip_children();
                                    }
                                }
                            }
                        }
                    }
                    let known = IPCONFIG_ELEMENTS.contains(&name.as_str())
                        || WIFI_ELEMENTS.contains(&name.as_str());
                    let belongs = match signal_type {
                        "wifi" => WIFI_ELEMENTS.contains(&name.as_str()),
                        "ipConfig" => IPCONFIG_ELEMENTS.contains(&name.as_str()),
                        _ => false,
                    };
                    if signal_type != "bluetooth" && !belongs {
                        ok = false;
                        let (code, message, hint) = if known {
                            let owner = if WIFI_ELEMENTS.contains(&name.as_str()) {
                                "wifi"
                            } else {
                                "ipConfig"
                            };
                            (
                                "rules::wrong-signal-element",
                                format!("<{name}> belongs to {owner} signals, not {signal_type}"),
                                format!("move it into a <signal type=\"{owner}\">"),
                            )
                        } else {
                            let candidates: &[&str] = if signal_type == "wifi" {
                                &WIFI_ELEMENTS
                            } else {
                                &IPCONFIG_ELEMENTS
                            };
                            (
                                "rules::unknown-element",
                                format!("unknown element <{name}> in a {signal_type} signal"),
                                did_you_mean(&name, candidates),
                            )
                        };
                        self.error(code, message, span.clone()).with_hint(hint);
                        continue;
                    }
                    if children.len() == SIGNAL_ELEMENTS_MAX {
                        // An error, but the elements are still checked (the input is bounded
                        // by RULES_BYTES_MAX), so no misleading "no elements" follows.
                        self.error(
                            "rules::too-many-elements",
                            format!("a signal has more than {SIGNAL_ELEMENTS_MAX} elements"),
                            span.clone(),
                        )
                        .with_hint("split the alternatives into separate rules");
                    }
                    children.push((name, (text, text_span), span));
                }
            }
        }
        ok.then_some(children)
    }

    fn bluetooth(
        &mut self,
        attributes: &[Attribute],
        span: &Range<usize>,
    ) -> Option<BluetoothSignal> {
        let mut ok = true;
        let mut scenario = None;
        let mut signal = BluetoothSignal::with_defaults(self.scenario);
        for attribute in attributes {
            let value = attribute.value.as_str();
            let at = attribute.value_span.clone();
            match attribute.name.as_str() {
                "type" => {}
                "scenario" => match SignalScenario::parse(value) {
                    Some(found) => scenario = Some(found),
                    None => {
                        ok = false;
                        self.error(
                            "rules::scenario",
                            format!("unknown scenario \"{}\"", clip(value)),
                            at,
                        )
                        .with_hint(did_you_mean(value, &["Authentication", "Dynamic Lock"]));
                    }
                },
                "classOfDevice" => match parse_integer(value, 0, 0xFF_FFFF) {
                    Ok(class) => {
                        signal.class_of_device = Some(u32::try_from(class).unwrap_or(0));
                        if !DEVICE_CLASSES.iter().any(|&(c, _)| i64::from(c) == class) {
                            self.warning(
                                "rules::class-of-device",
                                format!(
                                    "classOfDevice {class} is not a major device class from the \
                                    table"
                                ),
                                at,
                            )
                            .with_hint(
                                "use 512 (Phone) or another value from the seed's table: 0, 256, \
                                512, 768, 1024, 1280, 1536, 1792, 2048, 2304, 7936",
                            );
                        }
                    }
                    Err(problem) => {
                        ok = false;
                        self.error("rules::integer", format!("classOfDevice {problem}"), at);
                    }
                },
                "rssiMin" => match parse_integer(value, -128, 127) {
                    Ok(rssi) => {
                        let rssi = i32::try_from(rssi).unwrap_or(0);
                        signal.rssi_min = Some(rssi);
                        if rssi < RSSI_MIN_WARNING_BELOW {
                            self.warning(
                                "rules::rssi-min-low",
                                format!(
                                    "rssiMin {rssi} is below {RSSI_MIN_WARNING_BELOW}: a connected \
                                    phone practically never reads that low"
                                ),
                                at,
                            )
                            .with_hint(
                                "values are relative to the golden receive power range (0 = in \
                                range), not dBm; Microsoft recommends the default -10",
                            );
                        }
                    }
                    Err(problem) => {
                        ok = false;
                        self.error("rules::integer", format!("rssiMin {problem}"), at);
                    }
                },
                "rssiMaxDelta" => match parse_integer(value, -128, 127) {
                    Ok(delta) => {
                        let delta = i32::try_from(delta).unwrap_or(0);
                        signal.rssi_max_delta = Some(delta);
                        if delta > 0 {
                            self.warning(
                                "rules::rssi-max-delta-positive",
                                format!(
                                    "rssiMaxDelta {delta} is positive: the phone would count as \
                                    gone while still in range"
                                ),
                                at,
                            )
                            .with_hint(
                                "rssiMaxDelta is how far the signal may weaken: a negative number \
                                such as -10",
                            );
                        }
                    }
                    Err(problem) => {
                        ok = false;
                        self.error("rules::integer", format!("rssiMaxDelta {problem}"), at);
                    }
                },
                other => {
                    ok = false;
                    self.error(
                        "rules::unknown-attribute",
                        format!("unknown attribute `{other}` on a bluetooth signal"),
                        attribute.name_span.clone(),
                    )
                    .with_hint(did_you_mean(other, &BLUETOOTH_ATTRIBUTES));
                }
            }
        }
        ok &= self.scenario_matches(scenario, attributes, span);
        if self.dynamic_lock() && signal.class_of_device() != 512 {
            ok = false;
            self.error(
                "rules::dynamic-lock-class",
                format!(
                    "Dynamic Lock supports only phones (classOfDevice 512), not {}",
                    signal.class_of_device()
                ),
                span.clone(),
            )
            .with_hint("remove classOfDevice or set it to 512");
        }
        ok.then_some(signal)
    }

    /// Checks a bluetooth signal's written scenario against the setting. A scenario of the other
    /// setting is not a typo to flip: the hint moves the rule to the setting it names.
    fn scenario_matches(
        &mut self,
        written: Option<SignalScenario>,
        attributes: &[Attribute],
        span: &Range<usize>,
    ) -> bool {
        let expected = self.scenario;
        match written {
            None => {
                let hint = if self.setting == Setting::Unknown {
                    let [auth, dynamic] = SignalScenario::ALL;
                    format!(
                        "write scenario=\"{}\" for {} or scenario=\"{}\" for {}",
                        auth.as_str(),
                        auth.setting(),
                        dynamic.as_str(),
                        dynamic.setting()
                    )
                } else {
                    format!("write scenario=\"{}\"", expected.as_str())
                };
                self.error(
                    "rules::scenario",
                    "the bluetooth signal has no scenario attribute".into(),
                    span.clone(),
                )
                .with_hint(hint);
                false
            }
            Some(found) if found != expected && !self.mixed => {
                let at = attributes
                    .iter()
                    .find(|a| a.name == "scenario")
                    .map_or(span.clone(), |a| a.value_span.clone());
                self.error(
                    "rules::scenario",
                    format!(
                        "scenario \"{}\" is for {}, not {}",
                        found.as_str(),
                        found.setting(),
                        expected.setting()
                    ),
                    at,
                )
                .with_hint(format!(
                    "move the rule to {}: {}",
                    found.setting(),
                    found.placement()
                ));
                false
            }
            Some(_) => true,
        }
    }

    fn wifi(&mut self, children: &[Child], span: &Range<usize>) -> Option<WifiSignal> {
        let mut ok = true;
        let mut ssid = None;
        let mut bssid = None;
        let mut security = None;
        let mut trusted_root_ca = None;
        let mut sig_quality = None;
        let mut seen: Vec<&str> = Vec::new();
        for (name, (raw, text_span), element_span) in children {
            let value = raw.trim();
            let at = value_span(raw, text_span, element_span);
            if seen.contains(&name.as_str()) {
                ok = false;
                self.error(
                    "rules::repeated-element",
                    format!("a wifi signal may contain only one <{name}>"),
                    element_span.clone(),
                );
                continue;
            }
            seen.push(name);
            match name.as_str() {
                "ssid" => {
                    if value.is_empty() || value.len() > 32 {
                        ok = false;
                        self.error("rules::ssid", "an SSID is 1 to 32 bytes".into(), at);
                    } else {
                        ssid = Some(value.to_string());
                    }
                }
                "bssid" => match MacAddress::parse(value) {
                    Some(mac) => bssid = Some(mac),
                    None => {
                        ok = false;
                        self.error(
                            "rules::bssid",
                            format!("`{}` is not a MAC address", clip(value)),
                            at,
                        )
                        .with_hint(
                            "write six hex bytes separated by dashes, e.g. 12-ab-34-ff-e5-46",
                        );
                    }
                },
                "security" => match Security::parse(value) {
                    Some(s) => security = Some(s),
                    None => {
                        ok = false;
                        let names: Vec<&str> = Security::ALL.iter().map(|s| s.as_str()).collect();
                        self.error(
                            "rules::security",
                            format!("unknown security \"{}\"", clip(value)),
                            at,
                        )
                        .with_hint(did_you_mean(value, &names));
                    }
                },
                "trustedRootCA" => match Thumbprint::parse(value) {
                    Some(t) => trusted_root_ca = Some(t),
                    None => {
                        ok = false;
                        self.error(
                            "rules::trusted-root-ca",
                            format!("`{}` is not a thumbprint", clip(value)),
                            at,
                        )
                        .with_hint("write hex bytes separated by single spaces, e.g. a2 91 34 aa");
                    }
                },
                _ => match parse_integer(value, 0, 100) {
                    Ok(q) => sig_quality = Some(u8::try_from(q).unwrap_or(0)),
                    Err(problem) => {
                        ok = false;
                        self.error("rules::integer", format!("sig_quality {problem}"), at)
                            .with_hint("sig_quality is a signal quality from 0 to 100");
                    }
                },
            }
        }
        for (required, present) in
            [("ssid", seen.contains(&"ssid")), ("security", seen.contains(&"security"))]
        {
            if !present {
                ok = false;
                self.error(
                    "rules::wifi-required",
                    format!("a wifi signal requires <{required}>"),
                    span.clone(),
                );
            }
        }
        match (ok, ssid, security) {
            (true, Some(ssid), Some(security)) => {
                Some(WifiSignal { ssid, bssid, security, trusted_root_ca, sig_quality })
            }
            _ => None,
        }
    }

    fn ip_config(&mut self, children: &[Child], span: &Range<usize>) -> Option<IpConfigSignal> {
        let mut ok = true;
        let mut signal = IpConfigSignal::default();
        let mut seen: Vec<&str> = Vec::new();
        for (name, (raw, text_span), element_span) in children {
            let value = raw.trim();
            let at = value_span(raw, text_span, element_span);
            let single = !matches!(name.as_str(), "ipv4DnsServer" | "ipv6DnsServer" | "dnsSuffix");
            if single && seen.contains(&name.as_str()) {
                ok = false;
                self.error(
                    "rules::repeated-element",
                    format!("a signal may contain only one <{name}>"),
                    element_span.clone(),
                );
                continue;
            }
            seen.push(name);
            let result: Result<(), String> = match name.as_str() {
                "ipv4Prefix" => parse_ipv4_prefix(value).map(|p| signal.ipv4_prefix = Some(p)),
                "ipv4Gateway" => parse_ipv4(value).map(|a| signal.ipv4_gateway = Some(a)),
                "ipv4DhcpServer" => parse_ipv4(value).map(|a| signal.ipv4_dhcp_server = Some(a)),
                "ipv4DnsServer" => parse_ipv4(value).map(|a| signal.ipv4_dns_servers.push(a)),
                "ipv6Prefix" => parse_ipv6_prefix(value).map(|p| signal.ipv6_prefix = Some(p)),
                "ipv6Gateway" => parse_ipv6(value).map(|a| signal.ipv6_gateway = Some(a)),
                "ipv6DhcpServer" => parse_ipv6(value).map(|a| signal.ipv6_dhcp_server = Some(a)),
                "ipv6DnsServer" => parse_ipv6(value).map(|a| signal.ipv6_dns_servers.push(a)),
                _ => parse_dns_suffix(value).map(|s| signal.dns_suffixes.push(s)),
            };
            if let Err(hint) = result {
                ok = false;
                self.error(
                    "rules::address",
                    format!("`{}` is not a valid {name}", clip(value)),
                    at,
                )
                .with_hint(hint);
            }
        }
        if children.is_empty() && ok {
            ok = false;
            self.error(
                "rules::empty-signal",
                "the ipConfig signal has no elements".into(),
                span.clone(),
            )
            .with_hint(
                "add e.g. <ipv4Prefix>10.10.10.0/24</ipv4Prefix> or \
                <dnsSuffix>corp.contoso.com</dnsSuffix>",
            );
        }
        ok.then_some(signal)
    }
}

/// A diagnostic just recorded, still open for a hint or a label.
struct Pending<'a>(&'a mut Diagnostic);

impl Pending<'_> {
    fn with_hint(self, hint: impl Into<String>) -> Self {
        self.0.hint = Some(hint.into());
        self
    }

    fn with_label(self, label: impl Into<String>) -> Self {
        if let Some(location) = &mut self.0.location {
            location.label = Some(label.into());
        }
        self
    }
}

/// Every bluetooth signal's valid `scenario` value and its span, in document order.
fn written_scenarios(tokens: &[Token]) -> Vec<(SignalScenario, Range<usize>)> {
    let value = |attributes: &[Attribute], name: &str| {
        attributes.iter().find(|a| a.name == name).map(|a| (a.value.clone(), a.value_span.clone()))
    };
    tokens
        .iter()
        .filter_map(|token| match token {
            Token::Start { name, attributes, .. } if name == "signal" => {
                let (kind, _) = value(attributes, "type")?;
                let (text, span) = value(attributes, "scenario")?;
                let scenario = SignalScenario::parse(&text)?;
                (kind == "bluetooth").then_some((scenario, span))
            }
            _ => None,
        })
        .collect()
}

/// Appends text to the last token if it is text, else pushes a new text token.
fn push_text(tokens: &mut Vec<Token>, piece: &str, span: Range<usize>) {
    if let Some(Token::Text { text, span: last }) = tokens.last_mut()
        && last.end == span.start
    {
        text.push_str(piece);
        last.end = span.end;
        return;
    }
    tokens.push(Token::Text { text: piece.to_string(), span });
}

/// The byte offset of `part` inside `whole`, when `part` is a sub-slice of it.
fn offset_in(whole: &str, part: &[u8]) -> Option<usize> {
    let start = (part.as_ptr() as usize).checked_sub(whole.as_ptr() as usize)?;
    (start + part.len() <= whole.len()).then_some(start)
}

/// The span of a trimmed value inside its raw text, or the element when the text is empty.
fn value_span(raw: &str, text_span: &Range<usize>, element_span: &Range<usize>) -> Range<usize> {
    let trimmed = raw.trim();
    if trimmed.is_empty() || text_span.len() != raw.len() {
        return if text_span.is_empty() { element_span.clone() } else { text_span.clone() };
    }
    let leading = raw.len() - raw.trim_start().len();
    text_span.start + leading..text_span.start + leading + trimmed.len()
}

/// At most 60 characters of user text for a message.
fn clip(text: &str) -> String {
    let mut out: String = text.chars().take(60).collect();
    if text.chars().count() > 60 {
        out.push('…');
    }
    out
}

/// A decimal integer within `min..=max`, or what is wrong with it.
fn parse_integer(text: &str, min: i64, max: i64) -> Result<i64, String> {
    let value: i64 = text.parse().map_err(|_| format!("\"{}\" is not an integer", clip(text)))?;
    if (min..=max).contains(&value) {
        Ok(value)
    } else {
        Err(format!("{value} is out of range {min}..={max}"))
    }
}

fn has_port_v4(text: &str) -> bool {
    text.contains(':')
}

fn parse_ipv4_prefix(text: &str) -> Result<Ipv4Net, String> {
    if has_port_v4(text) {
        return Err("a network port must not be present".into());
    }
    if !text.contains('/') {
        return Err(if text.parse::<Ipv4Addr>().is_ok() {
            format!("a CIDR prefix length is required, e.g. {text}/24")
        } else {
            "write a dotted-decimal network with its CIDR prefix length, e.g. 192.168.100.0/24"
                .into()
        });
    }
    text.parse::<Ipv4Net>().map_err(|_| {
        "write a dotted-decimal network with its CIDR prefix length, e.g. 192.168.100.0/24".into()
    })
}

fn parse_ipv4(text: &str) -> Result<Ipv4Addr, String> {
    if text.contains('/') {
        return Err("a prefix must not be present: write the address alone".into());
    }
    if has_port_v4(text) {
        return Err("a network port must not be present".into());
    }
    text.parse::<Ipv4Addr>()
        .map_err(|_| "write a dotted-decimal address, e.g. 192.168.100.10".into())
}

fn parse_ipv6_prefix(text: &str) -> Result<Ipv6Net, String> {
    if text.contains('%') {
        return Err("a scope ID must not be present in an ipv6Prefix".into());
    }
    if text.starts_with('[') {
        return Err("a network port must not be present".into());
    }
    if !text.contains('/') {
        return Err("a CIDR prefix length is required, e.g. 21DA:D3::/48".into());
    }
    text.parse::<Ipv6Net>()
        .map_err(|_| "write an IPv6 network with its prefix length, e.g. 21DA:D3::/48".into())
}

fn parse_ipv6(text: &str) -> Result<ScopedIpv6, String> {
    if text.contains('/') {
        return Err("a prefix must not be present: write the address alone".into());
    }
    if text.starts_with('[') || text.contains("]:") {
        return Err("a network port must not be present".into());
    }
    let (address, scope_id) = match text.split_once('%') {
        Some((address, scope)) => {
            let scope = scope
                .parse::<u32>()
                .map_err(|_| "the scope ID after % must be a number".to_string())?;
            (address, Some(scope))
        }
        None => (text, None),
    };
    let address = address.parse::<Ipv6Addr>().map_err(|_| {
        "write an IPv6 address, e.g. 21DA:00D3:0000:2F3B:02AA:00FF:FE28:9C5A%2".to_string()
    })?;
    Ok(ScopedIpv6 { address, scope_id })
}

fn parse_dns_suffix(text: &str) -> Result<String, String> {
    let valid = !text.is_empty()
        && text.len() <= 253
        && text.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        });
    if valid {
        Ok(text.to_string())
    } else {
        Err("write a DNS suffix such as corp.contoso.com".into())
    }
}
