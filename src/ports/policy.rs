//! What happens when a port opens, remembered per workspace for a port or a range of ports
//! (`3000-3010`): a notice (the default), the port opened in a new tab, or nothing at all (the
//! port is also left out of the list until the user shows hidden ports). Pure: the view stores
//! the rules with `ui::storage`.
use super::forward::{MAX_PORT, MIN_PORT};
use std::fmt;

/// What the view does with a port.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum PortPolicy {
    /// Announce it when it opens (the view's notice).
    #[default]
    Notify,
    /// Open it in a new tab when it opens.
    Open,
    /// Say nothing and hide it from the list.
    Ignore,
}

impl PortPolicy {
    /// Every policy, in the order the choices are offered.
    pub const ALL: [PortPolicy; 3] = [PortPolicy::Notify, PortPolicy::Open, PortPolicy::Ignore];

    /// As stored and as an `<option>` value.
    pub fn as_str(self) -> &'static str {
        match self {
            PortPolicy::Notify => "notify",
            PortPolicy::Open => "open",
            PortPolicy::Ignore => "ignore",
        }
    }

    /// What the user reads.
    pub fn label(self) -> &'static str {
        match self {
            PortPolicy::Notify => "Notify",
            PortPolicy::Open => "Open in a new tab",
            PortPolicy::Ignore => "Ignore",
        }
    }

    /// From a stored value; `None` for anything else.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == s)
    }
}

/// Ports `from..=to` (one port when they are equal).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct PortRange {
    pub from: u16,
    pub to: u16,
}

impl PortRange {
    /// One port.
    pub fn one(port: u16) -> Self {
        Self {
            from: port,
            to: port,
        }
    }

    /// Reads what a user typed: `8080` or `3000-3010` (spaces allowed), within the ports a
    /// user may open.
    pub fn parse(input: &str) -> Result<Self, String> {
        let input = input.trim();
        if input.is_empty() {
            return Err("Enter a port (8080) or a range (3000-3010).".into());
        }
        let port = |s: &str| -> Result<u16, String> {
            match s.trim().parse::<u32>() {
                Ok(p) if (u32::from(MIN_PORT)..=u32::from(MAX_PORT)).contains(&p) => Ok(p as u16),
                Ok(_) => Err(format!("Ports go from {MIN_PORT} to {MAX_PORT}.")),
                Err(_) => Err("Enter a port (8080) or a range (3000-3010).".into()),
            }
        };
        let (from, to) = match input.split_once('-') {
            Some((a, b)) => (port(a)?, port(b)?),
            None => (port(input)?, port(input)?),
        };
        if from > to {
            return Err(format!("The range {from}-{to} ends before it starts."));
        }
        Ok(Self { from, to })
    }

    fn contains(self, port: u16) -> bool {
        (self.from..=self.to).contains(&port)
    }

    fn width(self) -> u16 {
        self.to - self.from
    }
}

impl fmt::Display for PortRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.from == self.to {
            write!(f, "{}", self.from)
        } else {
            write!(f, "{}-{}", self.from, self.to)
        }
    }
}

/// One remembered choice.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PolicyRule {
    pub range: PortRange,
    pub policy: PortPolicy,
}

/// The remembered choices of a workspace.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PolicyRules {
    rules: Vec<PolicyRule>,
}

/// Most rules kept: a stored value someone filled by hand cannot make every refresh slow.
const MAX_RULES: usize = 200;

impl PolicyRules {
    /// Reads the stored form (`3000-3010=open,8080=ignore`); parts that do not read are dropped.
    pub fn parse(stored: &str) -> Self {
        let mut rules = Self::default();
        for part in stored.split(',').take(MAX_RULES) {
            let Some((range, policy)) = part.split_once('=') else {
                continue;
            };
            if let (Ok(range), Some(policy)) = (PortRange::parse(range), PortPolicy::parse(policy))
            {
                rules.set(range, policy);
            }
        }
        rules
    }

    /// The stored form.
    pub fn render(&self) -> String {
        self.rules
            .iter()
            .map(|r| format!("{}={}", r.range, r.policy.as_str()))
            .collect::<Vec<_>>()
            .join(",")
    }

    /// The policy of `port`: the narrowest rule that covers it (a port's own rule wins over a
    /// range), else notify.
    pub fn policy_of(&self, port: u16) -> PortPolicy {
        self.rule_for(port).map(|r| r.policy).unwrap_or_default()
    }

    /// The rule that decides `port`, if any.
    pub fn rule_for(&self, port: u16) -> Option<PolicyRule> {
        self.rules
            .iter()
            .filter(|r| r.range.contains(port))
            .min_by_key(|r| r.range.width())
            .copied()
    }

    /// Remembers `policy` for exactly `range` (replacing its earlier choice); notify for a
    /// single port is the default, so it forgets that port's own rule instead (a range's rule
    /// may then apply).
    pub fn set(&mut self, range: PortRange, policy: PortPolicy) {
        self.rules.retain(|r| r.range != range);
        if range.from == range.to && policy == PortPolicy::Notify {
            return;
        }
        if self.rules.len() < MAX_RULES {
            self.rules.push(PolicyRule { range, policy });
            self.rules.sort_by_key(|r| r.range);
        }
    }

    /// Forgets the rule of exactly `range`.
    pub fn remove(&mut self, range: PortRange) {
        self.rules.retain(|r| r.range != range);
    }

    /// Every rule, in port order.
    pub fn all(&self) -> impl Iterator<Item = PolicyRule> + '_ {
        self.rules.iter().copied()
    }
}

/// localStorage key of a workspace's port policies.
pub fn policy_key(workspace_id: &str) -> String {
    format!("agent-console.ports.policy.{workspace_id}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_read_as_typed() {
        assert_eq!(PortRange::parse(" 8080 "), Ok(PortRange::one(8080)));
        assert_eq!(
            PortRange::parse("3000 - 3010"),
            Ok(PortRange {
                from: 3000,
                to: 3010
            })
        );
        assert!(PortRange::parse("3010-3000")
            .unwrap_err()
            .contains("ends before"));
        assert!(PortRange::parse("8").is_err());
        assert!(PortRange::parse("70000").is_err());
        assert!(PortRange::parse("a-b").is_err());
        assert!(PortRange::parse("").is_err());
        assert_eq!(
            PortRange::parse("3000-3010").unwrap().to_string(),
            "3000-3010"
        );
    }

    #[test]
    fn the_narrowest_rule_decides() {
        let mut rules = PolicyRules::default();
        assert_eq!(rules.policy_of(3005), PortPolicy::Notify, "default");
        rules.set(PortRange::parse("3000-3010").unwrap(), PortPolicy::Ignore);
        rules.set(PortRange::parse("3000-3100").unwrap(), PortPolicy::Open);
        rules.set(PortRange::one(3005), PortPolicy::Open);
        assert_eq!(
            rules.policy_of(3005),
            PortPolicy::Open,
            "the port's own rule"
        );
        assert_eq!(
            rules.policy_of(3006),
            PortPolicy::Ignore,
            "the narrower range"
        );
        assert_eq!(rules.policy_of(3050), PortPolicy::Open);
        assert_eq!(rules.policy_of(2999), PortPolicy::Notify);
        // Notify for one port forgets its rule, so the range applies again.
        rules.set(PortRange::one(3005), PortPolicy::Notify);
        assert_eq!(rules.policy_of(3005), PortPolicy::Ignore);
        assert_eq!(rules.all().count(), 2);
        rules.remove(PortRange::parse("3000-3010").unwrap());
        assert_eq!(rules.policy_of(3005), PortPolicy::Open);
    }

    #[test]
    fn rules_survive_storage_and_bad_parts_are_dropped() {
        let mut rules = PolicyRules::default();
        rules.set(PortRange::one(8080), PortPolicy::Ignore);
        rules.set(PortRange::parse("3000-3010").unwrap(), PortPolicy::Open);
        let stored = rules.render();
        assert_eq!(stored, "3000-3010=open,8080=ignore");
        assert_eq!(PolicyRules::parse(&stored), rules);
        let messy = PolicyRules::parse("8080=ignore,,x=open,9000=explode,3=open,9001=open");
        assert_eq!(messy.render(), "8080=ignore,9001=open");
        let huge = (9..2000)
            .map(|p| format!("{p}=open"))
            .collect::<Vec<_>>()
            .join(",");
        assert_eq!(PolicyRules::parse(&huge).rules.len(), MAX_RULES);
    }
}
