//! The terminal's tabs, without I/O: several shells per agent, each its own PTY session (its own
//! reconnect id), one of them shown.
//!
//! Where they are kept: the list (ids, names, which one is shown) in the browser tab's
//! sessionStorage, per agent, so a reload or coming back to the view resumes every shell while
//! another browser tab starts its own; the shown tab's id in the address (`?reconnect=`, as
//! Coder's own terminal page), so a link or a bookmark still names one shell and a reload shows
//! the same tab. An id in the address that the list lacks joins it.
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Most tabs per agent: each is a live socket, a terminal and its scrollback.
pub const MAX_TABS: usize = 12;
/// Longest name kept, in characters.
pub const MAX_NAME: usize = 40;

/// One tab: the session it attaches to and the name the user gave it (empty: numbered).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tab {
    pub id: Uuid,
    #[serde(default)]
    pub name: String,
}

/// The tabs of one agent's terminal, as stored.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TabList {
    pub tabs: Vec<Tab>,
    #[serde(default)]
    pub active: Option<Uuid>,
}

/// A name as kept: one line, trimmed, bounded.
pub fn clean_name(name: &str) -> String {
    name.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .trim()
        .chars()
        .take(MAX_NAME)
        .collect()
}

impl TabList {
    /// Reads a stored list; anything unreadable is an empty one (the view then opens one tab).
    /// Duplicated ids are dropped, names cleaned, the count bounded, `active` kept valid.
    pub fn parse(json: &str) -> Self {
        let mut list: TabList = serde_json::from_str(json).unwrap_or_default();
        let mut seen = std::collections::HashSet::new();
        list.tabs.retain(|t| seen.insert(t.id));
        list.tabs.truncate(MAX_TABS);
        for t in &mut list.tabs {
            t.name = clean_name(&t.name);
        }
        list.fix_active();
        list
    }

    /// As stored.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    fn fix_active(&mut self) {
        if !self.active.is_some_and(|a| self.contains(a)) {
            self.active = self.tabs.first().map(|t| t.id);
        }
    }

    /// Whether a tab attaches to `id`.
    pub fn contains(&self, id: Uuid) -> bool {
        self.tabs.iter().any(|t| t.id == id)
    }

    /// The page opened: shows the tab the address names (adding it when new, at the end, or in
    /// place of the last one when the list is full), else the remembered one, else a new tab
    /// with `fresh`. Returns the shown id.
    pub fn open(&mut self, from_address: Option<Uuid>, fresh: Uuid) -> Uuid {
        match from_address {
            Some(id) if self.contains(id) => self.active = Some(id),
            Some(id) => {
                self.push(id);
            }
            None if self.tabs.is_empty() => {
                self.push(fresh);
            }
            None => self.fix_active(),
        }
        self.active.unwrap_or(fresh)
    }

    /// Adds a tab and shows it. At the limit the last tab gives its place (the caller refuses
    /// before that: see [`TabList::full`]).
    pub fn push(&mut self, id: Uuid) {
        if self.full() {
            self.tabs.pop();
        }
        self.tabs.push(Tab {
            id,
            name: String::new(),
        });
        self.active = Some(id);
    }

    /// Whether no tab can be added.
    pub fn full(&self) -> bool {
        self.tabs.len() >= MAX_TABS
    }

    /// Closes a tab; the one to its right is shown (else the one to its left) if it was shown.
    pub fn close(&mut self, id: Uuid) {
        let Some(i) = self.tabs.iter().position(|t| t.id == id) else {
            return;
        };
        self.tabs.remove(i);
        if self.active == Some(id) {
            self.active = self.tabs.get(i).or_else(|| self.tabs.last()).map(|t| t.id);
        }
    }

    /// Renames a tab (an empty name gives back its number).
    pub fn rename(&mut self, id: Uuid, name: &str) {
        if let Some(t) = self.tabs.iter_mut().find(|t| t.id == id) {
            t.name = clean_name(name);
        }
    }

    /// A tab's shell was replaced by a new one (the old one exited): same place, same name.
    pub fn replace(&mut self, old: Uuid, new: Uuid) {
        if let Some(t) = self.tabs.iter_mut().find(|t| t.id == old) {
            t.id = new;
        }
        if self.active == Some(old) {
            self.active = Some(new);
        }
    }

    /// The label of the tab at `index`: its name, else "Shell N".
    pub fn label(&self, index: usize) -> String {
        match self.tabs.get(index) {
            Some(t) if !t.name.is_empty() => t.name.clone(),
            _ => format!("Shell {}", index + 1),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    #[test]
    fn a_first_visit_opens_one_fresh_tab() {
        let mut l = TabList::default();
        assert_eq!(l.open(None, id(1)), id(1));
        assert_eq!(l.tabs.len(), 1);
        assert_eq!(l.label(0), "Shell 1");
    }

    #[test]
    fn a_reload_shows_the_tab_the_address_names_and_keeps_the_others() {
        let mut l = TabList::default();
        l.open(None, id(1));
        l.push(id(2));
        l.push(id(3));
        let mut back = TabList::parse(&l.to_json());
        assert_eq!(back.open(Some(id(2)), id(9)), id(2));
        assert_eq!(
            back.tabs.iter().map(|t| t.id).collect::<Vec<_>>(),
            [id(1), id(2), id(3)]
        );
        // Without an address, the remembered tab.
        let mut again = TabList::parse(&l.to_json());
        assert_eq!(again.open(None, id(9)), id(3));
    }

    #[test]
    fn an_unknown_id_in_the_address_joins_the_list() {
        let mut l = TabList::default();
        l.open(None, id(1));
        assert_eq!(l.open(Some(id(5)), id(9)), id(5));
        assert_eq!(l.tabs.len(), 2);
    }

    #[test]
    fn closing_shows_a_neighbour() {
        let mut l = TabList::default();
        l.open(None, id(1));
        l.push(id(2));
        l.push(id(3));
        l.active = Some(id(2));
        l.close(id(2));
        assert_eq!(l.active, Some(id(3)));
        l.close(id(3));
        assert_eq!(l.active, Some(id(1)));
        l.close(id(1));
        assert_eq!(l.active, None);
        // A closed tab that was not shown leaves the shown one alone.
        let mut m = TabList::default();
        m.open(None, id(1));
        m.push(id(2));
        m.close(id(1));
        assert_eq!(m.active, Some(id(2)));
    }

    #[test]
    fn names_are_one_trimmed_bounded_line_and_empty_gives_the_number_back() {
        let mut l = TabList::default();
        l.open(None, id(1));
        l.rename(id(1), "  build\nlogs  ");
        assert_eq!(l.label(0), "build logs");
        l.rename(id(1), &"x".repeat(100));
        assert_eq!(l.label(0).chars().count(), MAX_NAME);
        l.rename(id(1), "   ");
        assert_eq!(l.label(0), "Shell 1");
    }

    #[test]
    fn a_restarted_shell_keeps_its_place_and_name() {
        let mut l = TabList::default();
        l.open(None, id(1));
        l.push(id(2));
        l.rename(id(1), "db");
        l.active = Some(id(1));
        l.replace(id(1), id(7));
        assert_eq!(l.tabs[0].id, id(7));
        assert_eq!(l.label(0), "db");
        assert_eq!(l.active, Some(id(7)));
    }

    #[test]
    fn garbage_and_duplicates_in_storage_are_tolerated() {
        assert_eq!(TabList::parse("not json"), TabList::default());
        let json = format!(
            r#"{{"tabs":[{{"id":"{a}"}},{{"id":"{a}","name":"dup"}},{{"id":"{b}","name":"<b>x</b>"}}],"active":"{c}"}}"#,
            a = id(1),
            b = id(2),
            c = id(3)
        );
        let l = TabList::parse(&json);
        assert_eq!(l.tabs.len(), 2);
        assert_eq!(l.active, Some(id(1)));
        // Names are text: shown as written, never as markup.
        assert_eq!(l.label(1), "<b>x</b>");
    }

    #[test]
    fn the_list_is_bounded() {
        let mut l = TabList::default();
        l.open(None, id(0));
        for n in 1..40 {
            l.push(id(n));
        }
        assert_eq!(l.tabs.len(), MAX_TABS);
        assert!(l.full());
        assert_eq!(l.active, Some(id(39)));
    }
}
