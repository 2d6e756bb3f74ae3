//! Records as they come back: the API's sources disagree on `id`/`snapshot_id`
//! and `type`/`snapshot_type`, so every record carries both of each pair.

/// Field pairs that name the same thing; a record missing one side gets it
/// filled from the other.
pub const SNAPSHOT_ALIASES: [(&str, &str); 2] = [("id", "snapshot_id"), ("type", "snapshot_type")];
/// VM records say `vm_id`, sometimes `id`.
pub const VM_ALIASES: [(&str, &str); 1] = [("vm_id", "id")];

/// Which side of an alias pair to copy, given which sides hold a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fill {
    Nothing,
    FirstFromSecond,
    SecondFromFirst,
}

pub fn fill(first_present: bool, second_present: bool) -> Fill {
    match (first_present, second_present) {
        (false, true) => Fill::FirstFromSecond,
        (true, false) => Fill::SecondFromFirst,
        _ => Fill::Nothing,
    }
}

/// The failure text of a record: `last_error`, then `error`, then `message`
/// (the official SDK's wait loop reads the latter two).
pub const FAILURE_FIELDS: [&str; 3] = ["last_error", "error", "message"];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fills_only_the_missing_side() {
        assert_eq!(fill(false, true), Fill::FirstFromSecond);
        assert_eq!(fill(true, false), Fill::SecondFromFirst);
        assert_eq!(fill(true, true), Fill::Nothing);
        assert_eq!(fill(false, false), Fill::Nothing);
    }
}
