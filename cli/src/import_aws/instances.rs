//! Live instances → drove `role`s with `hosts` (cattle) and `host`s (pets).
//!
//! An instance's role is its `drove:role` tag, or else its `--role-tag` tag (`Role` by
//! default). The instances of one role become one `hosts` block, numbered so that drove's
//! round-robin placement puts each index in the subnet its instance is in (one block per
//! subnet when the spread is uneven). An instance without either tag is a pet: a `host`
//! with a role of its own name.
//!
//! drove reads an instance's role from its `drove:role` tag, and a different role replaces
//! the instance; so the import writes that tag on the instances that lack it (see
//! [`to_tag`]). User data is not read back: the roles get no `provision` block, which
//! leaves an instance's user data unmanaged until one is written.

use super::names::{sanitize, Namer, NAME_TAG};
use super::networks::Declared;
use super::typed;
use super::zones::Imported;
use drove_compiler::model::instance::Image;
use drove_compiler::model::{Instance, Val};
use drove_compiler::zonefile::import::drove_string;
use drove_engine::aws::discover::ImageName;
use drove_engine::provider::Live;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

/// The tag drove writes on an instance for its role.
pub const ROLE_TAG: &str = "drove:role";

/// A live instance read in the model's types.
struct Found {
    id: String,
    spec: Instance,
}

/// A subnet (network, subnet name) and the instances found in it.
type SubnetHosts<'f> = ((String, String), Vec<&'f Found>);

fn tag<'a>(i: &'a Found, key: &str) -> Option<&'a str> {
    i.spec.tags.get(key).map(String::as_str).filter(|v| !v.is_empty())
}

/// What the instances give the import: the instances that need a `drove:role` tag.
#[derive(Default)]
pub struct Roles {
    /// (instance id, role name) of instances whose `drove:role` is not their role yet.
    pub to_tag: Vec<(String, String)>,
}

/// `app-12` sorts as (`app-`, 12): instances numbered in their `Name` keep that order.
fn name_key(i: &Found) -> (String, u64, String) {
    let name = tag(i, NAME_TAG).unwrap_or("");
    let digits = name.len() - name.trim_end_matches(|c: char| c.is_ascii_digit()).len();
    let (stem, number) = name.split_at(name.len() - digits);
    (stem.to_string(), number.parse().unwrap_or(0), i.id.clone())
}

/// The role's settings as one instance has them, in source form.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Settings {
    image: String,
    instance_type: String,
    firewalls: Vec<String>,
    disk: Option<u64>,
    encrypted: bool,
    public_ip: bool,
    imdsv2: bool,
}

/// An AMI as a drove image: a pattern that matches exactly its name (and owner), so the
/// plan resolves it to the same id; the id itself when the AMI is gone or its name holds
/// a wildcard.
fn image_text(id: &str, images: &BTreeMap<String, ImageName>) -> String {
    match images.get(id) {
        Some(i)
            if !i.name.contains(['*', '?']) && i.owner.len() == 12 && i.owner.chars().all(|c| c.is_ascii_digit()) =>
        {
            format!("image({}, {})", drove_string(&i.name), drove_string(&i.owner))
        }
        _ => id.to_string(),
    }
}

fn settings(i: &Found, images: &BTreeMap<String, ImageName>, declared: &Declared, notes: &mut Vec<String>) -> Settings {
    let a = &i.spec;
    let image = match &a.image {
        Some(Image::Id { id }) => image_text(id, images),
        _ => String::new(),
    };
    let mut firewalls = Vec::new();
    let mut undeclared = Vec::new();
    for g in a.security_groups.iter().filter_map(Val::text) {
        match declared.firewalls.get(g) {
            Some((name, _)) => firewalls.push(name.clone()),
            None => undeclared.push(g),
        }
    }
    // An instance no firewall names is left in the groups EC2 gave it; one with firewalls
    // loses the others on the first apply.
    let fate = if firewalls.is_empty() {
        "drove leaves the groups of an instance whose role names no firewall to EC2"
    } else {
        "the first apply takes it off"
    };
    for g in undeclared {
        notes.push(format!("instance {} uses security group {g}, which this import does not declare; {fate}", i.id));
    }
    firewalls.sort();
    if a.root_volume.is_none() {
        notes.push(format!("instance {}: no EBS root volume was found on its root device; drove declares one, so the first plan replaces it", i.id));
    }
    Settings {
        image,
        instance_type: a.instance_type.clone().unwrap_or_default(),
        firewalls,
        disk: a.root_volume.map(|r| r.size_gib),
        encrypted: a.root_volume.is_none_or(|r| r.encrypted),
        public_ip: a.associate_public_ip,
        imdsv2: a.imdsv2_required,
    }
}

fn role_text(name: &str, st: &Settings) -> String {
    let mut t = format!("role {name} {{\n  image = {}\n  type = {}\n", st.image, st.instance_type);
    if !st.firewalls.is_empty() {
        let _ = writeln!(t, "  firewall = [{}]", st.firewalls.join(", "));
    }
    if let Some(d) = st.disk.filter(|d| *d != 8) {
        let _ = writeln!(t, "  disk = {d}GiB");
    }
    if !st.encrypted {
        t.push_str("  encrypted = false\n");
    }
    if st.public_ip {
        t.push_str("  public_ip = true\n");
    }
    if !st.imdsv2 {
        t.push_str("  imdsv2 = false\n");
    }
    t.push_str("}\n\n");
    t
}

/// The most common settings among the instances (ties: the first in order).
fn common(all: &[Settings]) -> Option<Settings> {
    let mut counts: Vec<(usize, &Settings)> = Vec::new();
    for st in all {
        match counts.iter_mut().find(|(_, x)| *x == st) {
            Some(c) => c.0 += 1,
            None => counts.push((1, st)),
        }
    }
    let best = counts.iter().map(|(n, _)| *n).max()?;
    counts.into_iter().find(|(n, _)| *n == best).map(|(_, x)| x.clone())
}

/// The subnet reference (`net.sub`) and public flag of an instance's subnet.
fn subnet_of<'d>(i: &Found, declared: &'d Declared) -> Option<&'d (String, String, bool)> {
    i.spec.subnet.text().and_then(|id| declared.subnets.get(id))
}

/// The declarations of `instances` into `out`.
pub fn roles(
    instances: &[Live],
    role_tag: &str,
    images: &BTreeMap<String, ImageName>,
    declared: &Declared,
    namer: &mut Namer,
    out: &mut Imported,
) -> Roles {
    let mut result = Roles::default();
    let mut found = Vec::new();
    for i in instances {
        match typed(&i.id, &i.attributes) {
            Ok(spec) => found.push(Found { id: i.id.clone(), spec }),
            Err(e) => out.notes.push(format!("instance {} left out: drove cannot declare it as it is: {e}", i.id)),
        }
    }
    let mut by_role: BTreeMap<String, Vec<&Found>> = BTreeMap::new();
    let mut pets = Vec::new();
    for i in &found {
        if subnet_of(i, declared).is_none() {
            out.notes.push(format!("instance {} left out: its subnet is not among the imported networks'", i.id));
            continue;
        }
        match tag(i, ROLE_TAG).or_else(|| tag(i, role_tag)) {
            Some(r) => by_role.entry(r.to_string()).or_default().push(i),
            None => pets.push(i),
        }
    }
    for (wanted, mut members) in by_role {
        // One instance of its role is a pet, as the seed's MySQL server: a `host`, which
        // is never replaced without asking, not `hosts … { count = 1 }`.
        if let [only] = members.as_slice() {
            let role = namer.name("role", &wanted);
            pet(only, role, images, declared, namer, out, &mut result);
            continue;
        }
        members.sort_by_key(|i| name_key(i));
        let role = namer.name("role", &wanted);
        let all: Vec<Settings> = members.iter().map(|i| settings(i, images, declared, &mut out.notes)).collect();
        let Some(mut st) = common(&all) else { continue };
        // `public_ip` needs every subnet of the role's hosts to be public.
        if st.public_ip && members.iter().any(|i| subnet_of(i, declared).is_some_and(|x| !x.2)) {
            st.public_ip = false;
        }
        for (i, mine) in members.iter().zip(&all) {
            if *mine != st {
                out.notes.push(format!("instance {} differs from the other instances of role {role} (image, type, firewalls, disk, public address or IMDSv2); the first plan changes it to the role's", i.id));
            }
        }
        out.source.push_str(&role_text(&role, &st));
        hosts(&role, &members, declared, namer, out, &mut result);
    }
    for i in pets {
        let host_name = sanitize(tag(i, NAME_TAG).unwrap_or(&i.id), "host");
        let role = namer.name("role", &host_name);
        pet(i, role, images, declared, namer, out, &mut result);
    }
    result
}

/// One instance as a `host` of its own role.
fn pet(
    i: &Found,
    role: String,
    images: &BTreeMap<String, ImageName>,
    declared: &Declared,
    namer: &mut Namer,
    out: &mut Imported,
    result: &mut Roles,
) {
    let host = namer.name("host", tag(i, NAME_TAG).unwrap_or(&role));
    let mut st = settings(i, images, declared, &mut out.notes);
    let Some((net, sub, public)) = subnet_of(i, declared) else { return };
    st.public_ip &= *public;
    out.source.push_str(&role_text(&role, &st));
    let _ = writeln!(out.source, "host {host} {{ role = {role}  subnet = {net}.{sub} }}\n");
    out.ids.insert(format!("host.{host}"), i.id.clone());
    if tag(i, ROLE_TAG) != Some(role.as_str()) {
        result.to_tag.push((i.id.clone(), role));
    }
}

/// The `hosts` blocks of one role: one block over all its subnets when the instances are
/// spread as drove's round-robin spreads them, else one block per subnet.
fn hosts(
    role: &str,
    members: &[&Found],
    declared: &Declared,
    namer: &mut Namer,
    out: &mut Imported,
    result: &mut Roles,
) {
    let mut by_subnet: BTreeMap<(String, String), Vec<&Found>> = BTreeMap::new();
    for i in members {
        if let Some((net, sub, _)) = subnet_of(i, declared) {
            by_subnet.entry((net.clone(), sub.clone())).or_default().push(i);
        }
    }
    for v in by_subnet.values_mut() {
        v.sort_by_key(|i| name_key(i));
    }
    let counts: BTreeSet<usize> = by_subnet.values().map(Vec::len).collect();
    let even = counts.iter().next_back().zip(counts.iter().next()).is_some_and(|(max, min)| max - min <= 1);
    let mut groups: Vec<Vec<SubnetHosts>> = Vec::new();
    let mut subnets: Vec<SubnetHosts> = by_subnet.into_iter().collect();
    // Fuller subnets first (round-robin fills the first ones first), then by first name.
    subnets.sort_by(|a, b| {
        b.1.len().cmp(&a.1.len()).then_with(|| a.1.first().map(|i| name_key(i)).cmp(&b.1.first().map(|i| name_key(i))))
    });
    if even {
        groups.push(subnets);
    } else {
        groups.extend(subnets.into_iter().map(|x| vec![x]));
    }
    let single = groups.len() == 1;
    for group in groups {
        let wanted = if single { role.to_string() } else { format!("{role}-{}", group[0].0 .1) };
        let name = namer.name("hosts", &wanted);
        let count: usize = group.iter().map(|(_, v)| v.len()).sum();
        let refs: Vec<String> = group.iter().map(|((n, s), _)| format!("{n}.{s}")).collect();
        let _ = writeln!(
            out.source,
            "hosts {name} {{ role = {role}  count = {count}  subnets = [{}] }}\n",
            refs.join(", ")
        );
        let k = group.len();
        for index in 0..count {
            let Some(i) = group.get(index % k).and_then(|(_, v)| v.get(index / k)) else { continue };
            out.ids.insert(format!("hosts.{name}[{index}]"), i.id.clone());
            if tag(i, ROLE_TAG) != Some(role) {
                result.to_tag.push((i.id.clone(), role.to_string()));
            }
            let want_name = format!("{name}-{index}");
            if tag(i, NAME_TAG) != Some(want_name.as_str()) {
                out.notes.push(format!(
                    "instance {} becomes {name}[{index}], whose `Name` tag the first apply sets to `{want_name}`",
                    i.id
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use drove_compiler::model::instance::RootVolume;

    fn instance(id: &str, name: &str, subnet: &str) -> Found {
        let spec = Instance {
            role: "app".into(),
            image: None,
            instance_type: None,
            subnet: Val::Lit(subnet.into()),
            security_groups: Vec::new(),
            private_ip: None,
            associate_public_ip: false,
            root_volume: Some(RootVolume { size_gib: 8, encrypted: true }),
            imdsv2_required: true,
            user_data: None,
            instance_profile: None,
            tags: [("Name", name), (ROLE_TAG, "app")]
                .into_iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            rollout: None,
        };
        Found { id: id.into(), spec }
    }

    fn declared() -> Declared {
        let mut d = Declared::default();
        d.subnets.insert("subnet-a".into(), ("main".into(), "a".into(), true));
        d.subnets.insert("subnet-c".into(), ("main".into(), "c".into(), true));
        d
    }

    fn placed(members: &[Found]) -> (String, BTreeMap<String, String>) {
        let refs: Vec<&Found> = members.iter().collect();
        let (mut namer, mut out, mut result) = (Namer::default(), Imported::default(), Roles::default());
        hosts("app", &refs, &declared(), &mut namer, &mut out, &mut result);
        assert!(result.to_tag.is_empty());
        (out.source, out.ids)
    }

    #[test]
    fn an_even_spread_is_one_hosts_block_numbered_round_robin() {
        let (source, ids) = placed(&[
            instance("i-3", "app-2", "subnet-a"),
            instance("i-2", "app-1", "subnet-c"),
            instance("i-1", "app-0", "subnet-a"),
        ]);
        assert_eq!(source, "hosts app { role = app  count = 3  subnets = [main.a, main.c] }\n\n");
        let want: BTreeMap<String, String> =
            [("hosts.app[0]", "i-1"), ("hosts.app[1]", "i-2"), ("hosts.app[2]", "i-3")]
                .into_iter()
                .map(|(a, b)| (a.into(), b.into()))
                .collect();
        assert_eq!(ids, want);
    }

    #[test]
    fn an_uneven_spread_is_one_block_per_subnet() {
        let (source, ids) = placed(&[
            instance("i-1", "app-0", "subnet-a"),
            instance("i-2", "app-1", "subnet-a"),
            instance("i-3", "app-2", "subnet-a"),
            instance("i-4", "app-3", "subnet-c"),
        ]);
        assert!(source.contains("hosts app-a { role = app  count = 3  subnets = [main.a] }"), "{source}");
        assert!(source.contains("hosts app-c { role = app  count = 1  subnets = [main.c] }"), "{source}");
        assert_eq!(ids.get("hosts.app-a[2]").map(String::as_str), Some("i-3"));
        assert_eq!(ids.get("hosts.app-c[0]").map(String::as_str), Some("i-4"));
    }

    #[test]
    fn images_are_exact_patterns_unless_they_cannot_be() {
        let mut images = BTreeMap::new();
        images.insert("ami-1".to_string(), ImageName { name: "base-2024.06".into(), owner: "137112412989".into() });
        images.insert("ami-2".to_string(), ImageName { name: "odd*name".into(), owner: "137112412989".into() });
        assert_eq!(image_text("ami-1", &images), "image(\"base-2024.06\", \"137112412989\")");
        assert_eq!(image_text("ami-2", &images), "ami-2");
        assert_eq!(image_text("ami-gone", &images), "ami-gone");
    }
}
