//! OCI image references: `[registry[:port]/]repository[:tag][@digest]`.

/// Checks the shape of a reference, as a registry client would before pulling.
pub fn is_valid_reference(reference: &str) -> bool {
    if reference.is_empty() || reference.len() > 1024 {
        return false;
    }
    let (name_and_tag, digest) = match reference.split_once('@') {
        Some((n, d)) => (n, Some(d)),
        None => (reference, None),
    };
    if let Some(d) = digest {
        let Some((algo, hex)) = d.split_once(':') else { return false };
        if algo.is_empty() || hex.len() < 32 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return false;
        }
    }
    // A tag follows the last ':' only when no '/' comes after it (else it is a port).
    let (name, tag) = match name_and_tag.rsplit_once(':') {
        Some((name, tag)) if !tag.contains('/') => (name, Some(tag)),
        _ => (name_and_tag, None),
    };
    if let Some(t) = tag {
        let ok_first = t.bytes().next().is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_');
        if !ok_first || t.len() > 128 || !t.bytes().all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(&b)) {
            return false;
        }
    }
    let mut components: Vec<&str> = name.split('/').collect();
    if components.len() > 1 && components.first().is_some_and(|c| looks_like_registry(c)) {
        let host = components.remove(0);
        if !host.bytes().all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b)) {
            return false;
        }
    }
    !components.is_empty() && components.iter().all(|c| is_path_component(c))
}

/// The registry host of a reference, when it names one (`ghcr.io`, `localhost:5000`).
pub fn registry_host(reference: &str) -> Option<&str> {
    let first = reference.split('/').next()?;
    (reference.contains('/') && looks_like_registry(first)).then(|| first.split(':').next().unwrap_or(first))
}

fn looks_like_registry(component: &str) -> bool {
    component.contains('.') || component.contains(':') || component == "localhost"
}

/// Lowercase alphanumerics separated by `.`, `_`, `__` or runs of `-`.
fn is_path_component(c: &str) -> bool {
    let bytes = c.as_bytes();
    let (Some(first), Some(last)) = (bytes.first(), bytes.last()) else { return false };
    let alnum = |b: &u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    alnum(first) && alnum(last) && bytes.iter().all(|b| alnum(b) || b"._-".contains(b)) && !c.contains("..") && !c.contains("___")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_common_references() {
        for r in [
            "alpine",
            "python:3.11-slim",
            "docker.io/library/python:3.11-slim",
            "ghcr.io/org/app:v1.2.3",
            "localhost:5000/my-app",
            "registry.example.invalid/app:latest",
            "ubuntu@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        ] {
            assert!(is_valid_reference(r), "{r}");
        }
    }

    #[test]
    fn refuses_malformed_references() {
        for r in ["", "UPPER/case", "a b", "python:", ":tag", "a//b", "-lead", "x@sha256:zz", "python:-bad", "a/b/"] {
            assert!(!is_valid_reference(r), "{r}");
        }
    }

    #[test]
    fn finds_the_registry_host() {
        assert_eq!(registry_host("docker.io/library/python"), Some("docker.io"));
        assert_eq!(registry_host("localhost:5000/app"), Some("localhost"));
        assert_eq!(registry_host("nothing.invalid/app:1"), Some("nothing.invalid"));
        assert_eq!(registry_host("python:3.11"), None);
        assert_eq!(registry_host("library/python"), None);
    }
}
