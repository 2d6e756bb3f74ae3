//! Declarative images: a snapshot's build spec as data, its canonical form
//! and its fingerprint, so that an unchanged spec names the same snapshot.
//!
//! A spec is made two ways, both checked by the rules of `snapshots.create`:
//! step by step (`Image.from(...).pipInstall(...)`, each step checked at once)
//! or from plain create parameters ([`ImageSpec::from_params`]). Both give the
//! same spec, hence the same fingerprint, for the same build.

use sha2::{Digest, Sha256};

use super::error::ClientError;
use super::snapshot::{checked_envs, create_body, package_name};
use super::validate::{present, text, token};
use super::value::Value;

/// The package managers of `build_args`, in the order the body lists them.
pub const MANAGERS: [Manager; 3] = [Manager::Apt, Manager::Pip, Manager::Npm];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Manager {
    Apt,
    Pip,
    Npm,
}

impl Manager {
    pub fn field(self) -> &'static str {
        match self {
            Manager::Apt => "extra_apt_packages",
            Manager::Pip => "extra_pip_packages",
            Manager::Npm => "extra_npm_packages",
        }
    }
}

/// What a snapshot is built from. Every list is kept sorted (and package
/// names deduplicated) as it is built, so the spec is already canonical: the
/// order of calls never shows. Sorted `Vec`s with binary search rather than
/// `BTreeSet`/`BTreeMap`: the same order for a fraction of the wasm.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ImageSpec {
    pub oci_image: String,
    /// Package names per manager, deduplicated and sorted.
    pub apt: Vec<String>,
    pub pip: Vec<String>,
    pub npm: Vec<String>,
    pub git_clone_url: Option<String>,
    pub git_clone_branch: Option<String>,
    pub envs: Vec<(String, String)>,
    /// Commands run after the packages are installed, in order; sent joined
    /// with ` && ` as `post_build_cmd`.
    pub run: Vec<String>,
    pub disk_size_gb: Option<i64>,
    /// `build_args` keys the client does not model (`template_app_cmd`),
    /// forwarded untouched and part of the fingerprint.
    pub other_build_args: Vec<(String, Value)>,
}

/// What besides the build spec decides the snapshot: `vcpu_count`,
/// `memory_mb`, `type`, and any top-level key the client does not model.
/// Absent means "the server's default"; it is fingerprinted as absent.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Resources {
    pub vcpu_count: Option<i64>,
    pub memory_mb: Option<i64>,
    pub snapshot_type: Option<String>,
    pub other: Vec<(String, Value)>,
}

impl ImageSpec {
    /// `Image.from(ociImage)`.
    pub fn from_image(oci_image: &Value) -> Result<ImageSpec, ClientError> {
        Ok(ImageSpec { oci_image: token("oci_image", oci_image, 1024)?, ..ImageSpec::default() })
    }

    /// `aptInstall(...names)` and its siblings: each name is checked as
    /// `build_args.extra_apt_packages[i]` is in a create.
    pub fn install(&self, manager: Manager, names: &[Value]) -> Result<ImageSpec, ClientError> {
        let field = format!("build_args.{}", manager.field());
        let mut next = self.clone();
        for (i, name) in names.iter().enumerate() {
            let name = package_name(&format!("{field}[{i}]"), name)?;
            let set = next.packages_mut(manager);
            if let Err(at) = set.binary_search(&name) {
                set.insert(at, name);
            }
        }
        Ok(next)
    }

    /// `gitClone(url, { branch })`.
    pub fn git_clone(&self, url: &Value, branch: Option<&Value>) -> Result<ImageSpec, ClientError> {
        let mut next = self.clone();
        next.git_clone_url = Some(token("build_args.git_clone_url", url, 2048)?);
        next.git_clone_branch = present(branch).map(|b| token("build_args.git_clone_branch", b, 256)).transpose()?;
        Ok(next)
    }

    /// `env({ NAME: 'value' })`: merged over what is there.
    pub fn env(&self, vars: &Value) -> Result<ImageSpec, ClientError> {
        let mut next = self.clone();
        for (name, value) in checked_envs("build_args.envs", vars)? {
            put(&mut next.envs, name, value);
        }
        Ok(next)
    }

    /// `run(cmd)`: appended; commands run in the order given.
    pub fn run(&self, cmd: &Value) -> Result<ImageSpec, ClientError> {
        let cmd = text("build_args.post_build_cmd", cmd, 65_536)?;
        if cmd.trim().is_empty() {
            return Err(ClientError::invalid("build_args.post_build_cmd", "must be a non-empty command"));
        }
        let mut next = self.clone();
        next.run.push(cmd);
        if next.post_build_cmd().map_or(0, |c| c.len()) > 65_536 {
            return Err(ClientError::invalid("build_args.post_build_cmd", "must be at most 65536 bytes once the commands are joined with ' && '"));
        }
        Ok(next)
    }

    /// `disk(gb)`.
    pub fn disk(&self, gb: &Value) -> Result<ImageSpec, ClientError> {
        let mut next = self.clone();
        next.disk_size_gb = Some(super::snapshot::disk_size_gb("build_args.disk_size_gb", gb)?);
        Ok(next)
    }

    pub fn packages(&self, manager: Manager) -> &Vec<String> {
        match manager {
            Manager::Apt => &self.apt,
            Manager::Pip => &self.pip,
            Manager::Npm => &self.npm,
        }
    }

    fn packages_mut(&mut self, manager: Manager) -> &mut Vec<String> {
        match manager {
            Manager::Apt => &mut self.apt,
            Manager::Pip => &mut self.pip,
            Manager::Npm => &mut self.npm,
        }
    }

    pub fn post_build_cmd(&self) -> Option<String> {
        (!self.run.is_empty()).then(|| self.run.join(" && "))
    }

    /// The spec and resources of plain `snapshots.create` parameters, checked
    /// as a create checks them. `name` is not part of either.
    pub fn from_params(params: &Value) -> Result<(ImageSpec, Resources), ClientError> {
        let body = create_body(params)?;
        let mut spec = ImageSpec::default();
        let mut resources = Resources::default();
        let Value::Object(members) = body else { return Err(ClientError::invalid("params", "must be an object")) };
        for (key, v) in members {
            match (key.as_str(), v) {
                ("oci_image", Value::String(s)) => spec.oci_image = s,
                ("name", _) => {}
                ("vcpu_count", Value::Number(n)) => resources.vcpu_count = Some(n as i64),
                ("memory_mb", Value::Number(n)) => resources.memory_mb = Some(n as i64),
                ("type", Value::String(s)) => resources.snapshot_type = Some(s),
                ("build_args", Value::Object(args)) => spec.read_build_args(args)?,
                (_, v) => put(&mut resources.other, key, v),
            }
        }
        Ok((spec, resources))
    }

    /// Reads a checked `build_args` (packages are space-separated strings by then).
    fn read_build_args(&mut self, args: Vec<(String, Value)>) -> Result<(), ClientError> {
        for (key, v) in args {
            let manager = MANAGERS.iter().copied().find(|m| m.field() == key);
            match (manager, key.as_str(), v) {
                (Some(m), _, Value::String(names)) => {
                    let names: Vec<Value> = names.split_whitespace().map(|n| Value::String(n.to_string())).collect();
                    *self = self.install(m, &names)?;
                }
                (_, "git_clone_url", Value::String(s)) => self.git_clone_url = Some(s),
                (_, "git_clone_branch", Value::String(s)) => self.git_clone_branch = Some(s),
                (_, "envs", Value::Object(vars)) => {
                    for (k, v) in vars {
                        if let Value::String(v) = v {
                            put(&mut self.envs, k, v);
                        }
                    }
                }
                // One command as given: `run('a').run('b')` and `post_build_cmd: 'a && b'` are the same build.
                (_, "post_build_cmd", Value::String(s)) => self.run = vec![s],
                (_, "disk_size_gb", Value::Number(n)) => self.disk_size_gb = Some(n as i64),
                (_, _, v) => put(&mut self.other_build_args, key, v),
            }
        }
        Ok(())
    }

    /// The `build_args` object of a create body.
    pub fn build_args(&self) -> Value {
        let mut args = Vec::new();
        for m in MANAGERS {
            let names = self.packages(m);
            if !names.is_empty() {
                args.push((m.field().to_string(), Value::String(names.iter().map(String::as_str).collect::<Vec<_>>().join(" "))));
            }
        }
        let strings = [("git_clone_url", &self.git_clone_url), ("git_clone_branch", &self.git_clone_branch)];
        args.extend(strings.into_iter().filter_map(|(k, v)| Some((k.to_string(), Value::String(v.clone()?)))));
        if !self.envs.is_empty() {
            args.push(("envs".into(), Value::Object(self.envs.iter().map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect())));
        }
        if let Some(cmd) = self.post_build_cmd() {
            args.push(("post_build_cmd".into(), Value::String(cmd)));
        }
        if let Some(gb) = self.disk_size_gb {
            args.push(("disk_size_gb".into(), Value::Number(gb as f64)));
        }
        args.extend(self.other_build_args.iter().map(|(k, v)| (k.clone(), v.clone())));
        Value::Object(args)
    }

    /// The plain `snapshots.create` parameters for this spec, named `name`.
    pub fn to_params(&self, name: Option<&str>, resources: &Resources) -> Value {
        let mut params = vec![("oci_image".to_string(), Value::String(self.oci_image.clone()))];
        if let Some(name) = name {
            params.push(("name".into(), Value::String(name.to_string())));
        }
        if let Some(n) = resources.vcpu_count {
            params.push(("vcpu_count".into(), Value::Number(n as f64)));
        }
        if let Some(n) = resources.memory_mb {
            params.push(("memory_mb".into(), Value::Number(n as f64)));
        }
        if let Some(t) = &resources.snapshot_type {
            params.push(("type".into(), Value::String(t.clone())));
        }
        params.extend(resources.other.iter().map(|(k, v)| (k.clone(), v.clone())));
        if let Value::Object(args) = self.build_args() {
            if !args.is_empty() {
                params.push(("build_args".into(), Value::Object(args)));
            }
        }
        Value::Object(params)
    }

    /// The canonical form: JSON with every object's keys sorted, packages
    /// sorted and deduplicated, absent values left out, run commands joined
    /// in their order. Versioned, so a later change of form is a new name
    /// rather than a silent collision.
    pub fn canonical(&self, resources: &Resources) -> String {
        let params = self.to_params(None, resources);
        format!("instavm-wasm image v1 {}", sorted(&params).to_json())
    }

    /// Lowercase hex SHA-256 of the canonical form.
    pub fn fingerprint(&self, resources: &Resources) -> String {
        let digest = Sha256::digest(self.canonical(resources).as_bytes());
        let nibble = |n: u8| char::from_digit(u32::from(n), 16).unwrap_or('0');
        digest.iter().flat_map(|b| [nibble(b >> 4), nibble(b & 15)]).collect()
    }
}

impl Resources {
    /// `{ vcpu_count, memory_mb, type }` of `toParams` and `fingerprint`,
    /// checked as a create checks them. Any other key but the caller's `also`
    /// (`name` for `toParams`) is refused by name.
    pub fn from_options(options: &Value, also: &[&str]) -> Result<Resources, ClientError> {
        let known: Vec<&str> = RESOURCE_KEYS.iter().chain(also).copied().collect();
        super::keys::only_known("", options, &known)?;
        let Value::Object(members) = options else {
            return match options {
                Value::Null => Ok(Resources::default()),
                other => Err(ClientError::invalid("options", format!("must be an object such as {{ vcpu_count: 2 }}, got {}", other.type_name()))),
            };
        };
        let picked: Vec<(String, Value)> = members.iter().filter(|(k, _)| RESOURCE_KEYS.contains(&k.as_str())).cloned().collect();
        let mut params = vec![("oci_image".to_string(), Value::String("x".into()))];
        params.extend(picked);
        Ok(ImageSpec::from_params(&Value::Object(params))?.1)
    }
}

/// The keys of [`Resources`]: what besides the build spec decides a snapshot.
pub const RESOURCE_KEYS: [&str; 3] = ["vcpu_count", "memory_mb", "type"];

/// A method's own option keys and, when its first argument is an `Image`,
/// the snapshot's `name` and [`RESOURCE_KEYS`] too. The JS layer has taken
/// those out of the options by then (js/client.js, `IMAGE_KEYS`); they are
/// listed so that a typo of one is refused with the right suggestion.
pub fn option_keys(own: &[&'static str], image: bool) -> Vec<&'static str> {
    let mut keys = own.to_vec();
    if image {
        keys.extend(std::iter::once("name").chain(RESOURCE_KEYS).filter(|k| !own.contains(k)));
    }
    keys
}

/// The name an ensured snapshot gets: `<name>-<first 12 hex of the fingerprint>`.
pub fn ensured_name(base: &str, fingerprint: &str) -> String {
    format!("{base}-{}", fingerprint.get(..12).unwrap_or(fingerprint))
}

/// Sets `key` in a list kept sorted by key.
fn put<V>(list: &mut Vec<(String, V)>, key: String, value: V) {
    match list.binary_search_by(|(k, _)| k.as_str().cmp(&key)) {
        Ok(at) => {
            if let Some(slot) = list.get_mut(at) {
                slot.1 = value;
            }
        }
        Err(at) => list.insert(at, (key, value)),
    }
}

/// The value with every object's keys sorted, recursively.
fn sorted(v: &Value) -> Value {
    match v {
        Value::Object(members) => {
            let mut out = Vec::with_capacity(members.len());
            for (k, v) in members {
                put(&mut out, k.clone(), sorted(v));
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(sorted).collect()),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::test_support::{n, obj, s};

    fn strs(names: &[&str]) -> Vec<Value> {
        names.iter().map(|x| s(x)).collect()
    }
    fn base() -> ImageSpec {
        ImageSpec::from_image(&s("docker.io/library/python:3.11-slim")).unwrap()
    }
    fn none() -> Resources {
        Resources::default()
    }

    #[test]
    fn package_order_and_duplicates_do_not_matter() {
        let a = base().install(Manager::Apt, &strs(&["git", "curl"])).unwrap();
        let b = base().install(Manager::Apt, &strs(&["curl", "git", "git"])).unwrap();
        assert_eq!(a.fingerprint(&none()), b.fingerprint(&none()));
        assert_eq!(a.fingerprint(&none()).len(), 64);
        assert!(a.fingerprint(&none()).chars().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
    }

    #[test]
    fn call_order_across_methods_does_not_matter_but_run_order_does() {
        let a = base().install(Manager::Pip, &strs(&["numpy"])).unwrap().env(&obj(vec![("B", s("2")), ("A", s("1"))])).unwrap().run(&s("a")).unwrap().run(&s("b")).unwrap();
        let b = base().run(&s("a")).unwrap().env(&obj(vec![("A", s("1"))])).unwrap().run(&s("b")).unwrap().env(&obj(vec![("B", s("2"))])).unwrap().install(Manager::Pip, &strs(&["numpy"])).unwrap();
        assert_eq!(a.fingerprint(&none()), b.fingerprint(&none()));
        let c = base().install(Manager::Pip, &strs(&["numpy"])).unwrap().env(&obj(vec![("A", s("1")), ("B", s("2"))])).unwrap().run(&s("b")).unwrap().run(&s("a")).unwrap();
        assert_ne!(a.fingerprint(&none()), c.fingerprint(&none()));
    }

    #[test]
    fn the_same_name_under_another_manager_is_another_build() {
        let apt = base().install(Manager::Apt, &strs(&["git"])).unwrap();
        let pip = base().install(Manager::Pip, &strs(&["git"])).unwrap();
        assert_ne!(apt.fingerprint(&none()), pip.fingerprint(&none()));
    }

    #[test]
    fn resources_are_part_of_the_fingerprint() {
        let two = Resources { vcpu_count: Some(2), ..none() };
        let four = Resources { vcpu_count: Some(4), ..none() };
        assert_ne!(base().fingerprint(&two), base().fingerprint(&four));
        assert_ne!(base().fingerprint(&two), base().fingerprint(&none()));
    }

    #[test]
    fn plain_params_give_the_fingerprint_of_the_equivalent_image() {
        let image = base()
            .install(Manager::Apt, &strs(&["git", "curl"]))
            .unwrap()
            .install(Manager::Pip, &strs(&["numpy"]))
            .unwrap()
            .git_clone(&s("https://github.com/a/b"), Some(&s("main")))
            .unwrap()
            .env(&obj(vec![("APP", s("prod"))]))
            .unwrap()
            .run(&s("make"))
            .unwrap()
            .run(&s("make test"))
            .unwrap()
            .disk(&n(2.0))
            .unwrap();
        let params = obj(vec![
            ("name", s("whatever")),
            ("vcpu_count", n(2.0)),
            ("oci_image", s("docker.io/library/python:3.11-slim")),
            (
                "build_args",
                obj(vec![
                    ("post_build_cmd", s("make && make test")),
                    ("extra_apt_packages", s("curl git curl")),
                    ("extra_pip_packages", Value::Array(strs(&["numpy"]))),
                    ("git_clone_url", s("https://github.com/a/b")),
                    ("git_clone_branch", s("main")),
                    ("envs", obj(vec![("APP", s("prod"))])),
                    ("disk_size_gb", n(2.0)),
                ]),
            ),
        ]);
        let (spec, resources) = ImageSpec::from_params(&params).unwrap();
        assert_eq!(spec.fingerprint(&resources), image.fingerprint(&Resources { vcpu_count: Some(2), ..none() }));
        // And the image's own parameters read back to the same spec.
        let (again, r2) = ImageSpec::from_params(&image.to_params(Some("x"), &resources)).unwrap();
        assert_eq!(again.fingerprint(&r2), spec.fingerprint(&resources));
    }

    #[test]
    fn each_step_checks_its_input_and_names_the_field() {
        let field = |r: Result<ImageSpec, ClientError>| r.unwrap_err().field.unwrap_or_default();
        assert_eq!(field(base().disk(&n(9.0))), "build_args.disk_size_gb");
        assert_eq!(field(base().install(Manager::Apt, &strs(&["git", "a b"]))), "build_args.extra_apt_packages[1]");
        assert_eq!(field(base().install(Manager::Pip, &strs(&["numpy;rm -rf /"]))), "build_args.extra_pip_packages[0]");
        assert_eq!(field(base().install(Manager::Npm, &[n(1.0)])), "build_args.extra_npm_packages[0]");
        assert_eq!(field(base().git_clone(&s("has space"), None)), "build_args.git_clone_url");
        assert_eq!(field(base().env(&obj(vec![("1X", s("v"))]))), "build_args.envs");
        assert_eq!(field(base().env(&obj(vec![("X", n(1.0))]))), "build_args.envs.X");
        assert_eq!(field(base().run(&s("  "))), "build_args.post_build_cmd");
        assert_eq!(field(ImageSpec::from_image(&s(""))), "oci_image");
    }

    #[test]
    fn ensured_names_carry_twelve_hex() {
        let fp = base().fingerprint(&none());
        assert_eq!(ensured_name("image", &fp), format!("image-{}", &fp[..12]));
    }

    #[test]
    fn an_image_adds_its_name_and_resources_to_a_method_s_option_keys_once() {
        assert_eq!(option_keys(&["wait"], false), ["wait"]);
        assert_eq!(option_keys(&["wait"], true), ["wait", "name", "vcpu_count", "memory_mb", "type"]);
        assert_eq!(option_keys(&["name", "rebuildFailed"], true), ["name", "rebuildFailed", "vcpu_count", "memory_mb", "type"]);
    }
}
