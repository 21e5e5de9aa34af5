//! `ec2.instance`: images resolved by name pattern, RunInstances with the rendered user
//! data, refresh and re-adoption through DescribeInstances, termination.
//!
//! Live attributes are in the model's shape: `image` is `{"id"}` (the planner resolves a
//! pattern to an id before diffing), `subnet` and `security_groups` are ids, `root_volume`
//! comes from the root device's volume, and `user_data` is `{"fingerprint"}` of what EC2
//! holds (the plaintext is never kept). A terminated instance is gone.

use super::ec2_tags;
use super::sdk_error;
use crate::error::{codes, EngineError, Result};
use crate::provider::{Change, Image, Live};
use crate::userdata::UserData;
use age::secrecy::ExposeSecret as _;
use aws_sdk_ec2::types::{
    BlockDeviceMapping, EbsBlockDevice, Filter, HttpTokensState, InstanceAttributeName, InstanceMetadataEndpointState,
    InstanceMetadataOptionsRequest, InstanceNetworkInterfaceSpecification, InstanceStateName, InstanceType, ResourceType, VolumeType,
};
use aws_sdk_ec2::Client;
use base64::Engine as _;
use serde_json::{json, Map, Value};
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// How long an instance may take to reach `running` or `terminated`.
pub const WAIT: Duration = Duration::from_secs(600);

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;
/// Tags drove sets itself and removes from the live view. Unlike other kinds, an
/// instance's `drove:role` tag is the model's (the compiler writes it), so it stays.
const OWN_TAGS: [&str; 2] = [ec2_tags::STACK_TAG, ec2_tags::ADDRESS_TAG];

fn filter(name: &str, values: impl IntoIterator<Item = impl Into<String>>) -> Filter {
    let mut f = Filter::builder().name(name);
    for v in values {
        f = f.values(v.into());
    }
    f.build()
}

/// The newest image among candidates `(id, name, created)`: latest creation date, then
/// the greatest name, so equal dates still give one answer.
pub fn newest(images: Vec<Image>) -> Option<Image> {
    images.into_iter().max_by(|a, b| a.created.cmp(&b.created).then_with(|| a.name.cmp(&b.name)))
}

pub async fn resolve_image(ec2: &Client, pattern: &str, owner: Option<&str>) -> Result<Image> {
    let mut found = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let mut req = ec2
            .describe_images()
            .filters(filter("name", [pattern]))
            .filters(filter("state", ["available"]))
            .set_next_token(token.clone());
        if let Some(o) = owner {
            req = req.owners(o);
        }
        let page = req.send().await.map_err(|e| sdk_error("ec2 DescribeImages", e))?;
        for i in page.images() {
            found.push(Image {
                id: i.image_id().unwrap_or_default().to_string(),
                name: i.name().unwrap_or_default().to_string(),
                created: i.creation_date().unwrap_or_default().to_string(),
            });
        }
        token = page.next_token().filter(|t| !t.is_empty()).map(str::to_string);
        if token.is_none() {
            break;
        }
    }
    let owned = owner.map(|o| format!(" owned by {o}")).unwrap_or_default();
    newest(found).ok_or_else(|| {
        EngineError::new(codes::NO_IMAGE, format!("no available image matches image(\"{pattern}\"){owned}"))
            .with_help("check the pattern (`*` matches any text) and the owner; images are per region")
    })
}

async fn root_device(ec2: &Client, image: &str) -> Result<String> {
    let out = ec2.describe_images().image_ids(image).send().await.map_err(|e| sdk_error("ec2 DescribeImages", e))?;
    out.images()
        .first()
        .and_then(|i| i.root_device_name())
        .map(str::to_string)
        .ok_or_else(|| EngineError::new(codes::NO_IMAGE, format!("image {image} does not exist or has no root device")))
}

fn str_of<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

/// Launches the instance of a create change and waits until it runs.
pub async fn create(ec2: &Client, c: &Change, stack: &str, user_data: Option<&UserData>) -> Result<Live> {
    let a = &c.after;
    let bad = |what: &str| EngineError::new(codes::INVALID_CHANGE, format!("{}: {what}", c.address));
    let image = a.get("image").and_then(|i| str_of(i, "id")).ok_or_else(|| bad("no image id (the plan resolves image patterns)"))?;
    let instance_type = str_of(a, "instance_type").ok_or_else(|| bad("no instance_type"))?;
    let subnet = str_of(a, "subnet").ok_or_else(|| bad("no subnet id"))?;

    let mut encoded = None;
    let ud = a.get("user_data").unwrap_or(&Value::Null);
    if !ud.is_null() {
        let renderer = user_data.ok_or_else(|| {
            EngineError::new(codes::USER_DATA, format!("{}: user data cannot be rendered without the stack's sources and keys", c.address))
        })?;
        if let Some(r) = renderer.render(ud)? {
            if ud.get("fingerprint").and_then(Value::as_str).is_some_and(|f| f != r.fingerprint) {
                return Err(EngineError::new(codes::STALE_PLAN, format!("{}: its user data (a secret or a file) changed since the plan was made", c.address))
                    .with_help("make a new plan"));
            }
            encoded = Some(B64.encode(r.bytes.expose_secret()));
        }
    }

    let mut nic = InstanceNetworkInterfaceSpecification::builder()
        .device_index(0)
        .subnet_id(subnet)
        .delete_on_termination(true)
        .associate_public_ip_address(a.get("associate_public_ip").and_then(Value::as_bool).unwrap_or(false));
    for g in a.get("security_groups").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str) {
        nic = nic.groups(g);
    }
    if let Some(ip) = str_of(a, "private_ip") {
        nic = nic.private_ip_address(ip);
    }
    let root = a.get("root_volume").unwrap_or(&Value::Null);
    let size = root.get("size_gib").and_then(Value::as_i64).and_then(|s| i32::try_from(s).ok());
    let ebs = EbsBlockDevice::builder()
        .set_volume_size(size)
        .encrypted(root.get("encrypted").and_then(Value::as_bool).unwrap_or(true))
        .volume_type(VolumeType::Gp3)
        .delete_on_termination(true)
        .build();
    let tokens = if a.get("imdsv2_required").and_then(Value::as_bool).unwrap_or(true) { HttpTokensState::Required } else { HttpTokensState::Optional };
    let mut req = ec2
        .run_instances()
        .image_id(image)
        .instance_type(InstanceType::from(instance_type))
        .min_count(1)
        .max_count(1)
        .client_token(&c.token)
        .network_interfaces(nic.build())
        .block_device_mappings(BlockDeviceMapping::builder().device_name(root_device(ec2, image).await?).ebs(ebs).build())
        .metadata_options(InstanceMetadataOptionsRequest::builder().http_tokens(tokens).http_endpoint(InstanceMetadataEndpointState::Enabled).build())
        .set_user_data(encoded);
    for kind in [ResourceType::Instance, ResourceType::Volume] {
        req = req.tag_specifications(ec2_tags::specification(kind, stack, &c.address, a.get("tags")));
    }
    let out = req.send().await.map_err(|e| sdk_error("ec2 RunInstances", e))?;
    let id = out
        .instances()
        .first()
        .and_then(|i| i.instance_id())
        .map(str::to_string)
        .ok_or_else(|| EngineError::new(codes::AWS_CALL, format!("{}: RunInstances returned no instance", c.address)))?;
    wait_for(ec2, &id, InstanceStateName::Running).await?;
    // What was just sent is what EC2 holds: no need to read the user data back.
    let fingerprint = ud.get("fingerprint").cloned();
    let mut lives = read(ec2, &[id.clone()], None).await?;
    let mut live = lives.remove(&id).ok_or_else(|| EngineError::new(codes::AWS_CALL, format!("{}: {id} vanished after launch", c.address)))?;
    if let (Some(fp), Some(o)) = (fingerprint, live.attributes.as_object_mut()) {
        o.insert("user_data".into(), json!({ "fingerprint": fp }));
    }
    Ok(live)
}

/// Tags and security groups change in place; the rest forces a replacement.
pub async fn update(ec2: &Client, c: &Change, stack: &str, user_data: Option<&UserData>) -> Result<Live> {
    let id = c.id.clone().ok_or_else(|| EngineError::new(codes::INVALID_CHANGE, format!("{}: an update without an id", c.address)))?;
    let want_groups: Vec<String> =
        c.after.get("security_groups").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str).map(str::to_string).collect();
    let mut have_groups: Vec<String> =
        c.before.get("security_groups").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str).map(str::to_string).collect();
    let mut sorted = want_groups.clone();
    sorted.sort();
    have_groups.sort();
    if !c.after.get("security_groups").is_none_or(Value::is_null) && sorted != have_groups {
        ec2.modify_instance_attribute()
            .instance_id(&id)
            .set_groups(Some(want_groups))
            .send()
            .await
            .map_err(|e| sdk_error("ec2 ModifyInstanceAttribute", e))?;
    }
    if c.after.get("tags").is_some_and(Value::is_object) {
        ec2_tags::update(ec2, &id, stack, &c.address, c.before.get("tags"), c.after.get("tags")).await?;
    }
    let mut lives = read(ec2, std::slice::from_ref(&id), user_data).await?;
    lives.remove(&id).ok_or_else(|| EngineError::new(codes::AWS_CALL, format!("{}: {id} is gone", c.address)))
}

pub async fn terminate(ec2: &Client, id: &str) -> Result<()> {
    match ec2.terminate_instances().instance_ids(id).send().await {
        Ok(_) => {}
        Err(e) if aws_code(&e) == Some("InvalidInstanceID.NotFound") => return Ok(()),
        Err(e) => return Err(sdk_error("ec2 TerminateInstances", e)),
    }
    wait_for(ec2, id, InstanceStateName::Terminated).await
}

fn aws_code<E: aws_sdk_ec2::error::ProvideErrorMetadata, R>(e: &aws_sdk_ec2::error::SdkError<E, R>) -> Option<&str> {
    e.as_service_error().and_then(|s| s.code())
}

/// Polls with a growing interval until the instance reaches `want`, for at most [`WAIT`].
async fn wait_for(ec2: &Client, id: &str, want: InstanceStateName) -> Result<()> {
    let started = Instant::now();
    let mut pause = Duration::from_millis(200);
    loop {
        let out = ec2
            .describe_instances()
            .filters(filter("instance-id", [id]))
            .send()
            .await
            .map_err(|e| sdk_error("ec2 DescribeInstances", e))?;
        let state = out.reservations().iter().flat_map(|r| r.instances()).find_map(|i| i.state().and_then(|s| s.name()).cloned());
        match state {
            Some(s) if s == want => return Ok(()),
            // An instance that terminated while launching failed to launch.
            Some(InstanceStateName::Terminated) | Some(InstanceStateName::ShuttingDown) if want == InstanceStateName::Running => {
                return Err(EngineError::new(codes::INSTANCE_WAIT, format!("{id} terminated while launching"))
                    .with_help("see the instance's state reason in the console (capacity, a bad image, a volume it cannot encrypt)"))
            }
            None if want == InstanceStateName::Terminated => return Ok(()),
            _ => {}
        }
        if started.elapsed() > WAIT {
            return Err(EngineError::new(codes::INSTANCE_WAIT, format!("{id} did not become {} within {} s", want.as_str(), WAIT.as_secs()))
                .with_help("run again: the instance is found again by its tags"));
        }
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(Duration::from_secs(5));
    }
}

/// The live view of instances by id (terminated ones are absent). With a renderer, the
/// user data EC2 holds is fingerprinted; without one `user_data` is left out.
pub async fn read(ec2: &Client, ids: &[String], user_data: Option<&UserData>) -> Result<HashMap<String, Live>> {
    let mut out = HashMap::new();
    if ids.is_empty() {
        return Ok(out);
    }
    // A filter, unlike InstanceIds, does not fail the whole call for one id that is gone.
    for chunk in ids.chunks(150) {
        let found = describe(ec2, vec![filter("instance-id", chunk.iter().cloned())]).await?;
        for live in views(ec2, found, user_data).await? {
            out.insert(live.id.clone(), live);
        }
    }
    Ok(out)
}

/// The instances of a stack by their `drove:address` tag, for re-adoption.
pub async fn find_by_address(ec2: &Client, stack: &str, user_data: Option<&UserData>) -> Result<HashMap<String, Live>> {
    let found = describe(
        ec2,
        ec2_tags::filters(stack, None).into_iter().chain([filter("instance-state-name", ["pending", "running", "stopping", "stopped"])]).collect(),
    )
    .await?;
    let mut by_address: HashMap<String, aws_sdk_ec2::types::Instance> = HashMap::new();
    for i in found {
        let Some(address) = ec2_tags::tag(i.tags(), ec2_tags::ADDRESS_TAG).map(str::to_string) else { continue };
        // Two instances for one address: keep the older; the newer is a leak a later plan reports.
        let older = by_address.get(&address).is_some_and(|o| o.launch_time() <= i.launch_time());
        if !older {
            by_address.insert(address, i);
        }
    }
    let (addresses, instances): (Vec<String>, Vec<_>) = by_address.into_iter().unzip();
    let lives = views(ec2, instances, user_data).await?;
    Ok(addresses.into_iter().zip(lives).collect())
}

/// Every instance matching the filters that is not terminated, all pages followed (moto
/// pages at 100 reservations even without MaxResults; a repeated token ends the walk).
pub(crate) async fn describe(ec2: &Client, filters: Vec<Filter>) -> Result<Vec<aws_sdk_ec2::types::Instance>> {
    let mut out = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let page = ec2
            .describe_instances()
            .set_filters(Some(filters.clone()))
            .set_next_token(token.clone())
            .send()
            .await
            .map_err(|e| sdk_error("ec2 DescribeInstances", e))?;
        for r in page.reservations() {
            for i in r.instances() {
                let state = i.state().and_then(|s| s.name());
                if !matches!(state, Some(InstanceStateName::Terminated) | Some(InstanceStateName::ShuttingDown)) {
                    out.push(i.clone());
                }
            }
        }
        match page.next_token() {
            Some(t) if !t.is_empty() && token.as_deref() != Some(t) => token = Some(t.to_string()),
            _ => return Ok(out),
        }
    }
}

/// The model's view of instances, in order: their root volumes in one call, user data
/// one call per instance (EC2 has no batch read for it).
async fn views(ec2: &Client, instances: Vec<aws_sdk_ec2::types::Instance>, user_data: Option<&UserData>) -> Result<Vec<Live>> {
    let root_of = |i: &aws_sdk_ec2::types::Instance| -> Option<String> {
        let root = i.root_device_name()?;
        i.block_device_mappings().iter().find(|m| m.device_name() == Some(root)).and_then(|m| m.ebs()).and_then(|e| e.volume_id()).map(str::to_string)
    };
    let volume_ids: Vec<String> = instances.iter().filter_map(root_of).collect();
    let mut volumes: HashMap<String, Value> = HashMap::new();
    for chunk in volume_ids.chunks(150) {
        let mut token: Option<String> = None;
        loop {
            let page = ec2
                .describe_volumes()
                .filters(filter("volume-id", chunk.iter().cloned()))
                .set_next_token(token.clone())
                .send()
                .await
                .map_err(|e| sdk_error("ec2 DescribeVolumes", e))?;
            for v in page.volumes() {
                if let Some(id) = v.volume_id() {
                    volumes.insert(id.to_string(), json!({ "size_gib": v.size(), "encrypted": v.encrypted() }));
                }
            }
            token = page.next_token().filter(|t| !t.is_empty()).map(str::to_string);
            if token.is_none() {
                break;
            }
        }
    }
    let mut out = Vec::with_capacity(instances.len());
    for i in instances {
        let id = i.instance_id().unwrap_or_default().to_string();
        let ud = match user_data {
            Some(renderer) => live_user_data(ec2, &id, renderer).await?,
            None => Value::Null,
        };
        let mut tags = Map::new();
        for t in i.tags() {
            if let (Some(k), Some(v)) = (t.key(), t.value()) {
                if !OWN_TAGS.contains(&k) {
                    tags.insert(k.to_string(), Value::String(v.to_string()));
                }
            }
        }
        // The primary interface's groups are the instance's (moto leaves the instance's
        // own list empty when the groups were given on the interface).
        let primary = i.network_interfaces().iter().find(|n| n.attachment().and_then(|a| a.device_index()) == Some(0));
        let mut groups: Vec<&str> = match primary {
            Some(n) if !n.groups().is_empty() => n.groups().iter().filter_map(|g| g.group_id()).collect(),
            _ => i.security_groups().iter().filter_map(|g| g.group_id()).collect(),
        };
        groups.sort_unstable();
        let tokens = i.metadata_options().and_then(|m| m.http_tokens());
        let attributes = json!({
            "role": ec2_tags::tag(i.tags(), "drove:role"),
            "image": { "id": i.image_id() },
            "instance_type": i.instance_type().map(|t| t.as_str()),
            "subnet": i.subnet_id(),
            "security_groups": groups,
            "private_ip": i.private_ip_address(),
            "associate_public_ip": i.public_ip_address().is_some(),
            "root_volume": root_of(&i).and_then(|v| volumes.get(&v).cloned()).unwrap_or(Value::Null),
            "imdsv2_required": tokens == Some(&HttpTokensState::Required),
            "user_data": ud,
            "tags": tags,
        });
        let mut outputs = Map::new();
        outputs.insert("id".into(), Value::String(id.clone()));
        if let Some(ip) = i.private_ip_address() {
            outputs.insert("private_ip".into(), Value::String(ip.to_string()));
        }
        if let Some(ip) = i.public_ip_address() {
            outputs.insert("public_ip".into(), Value::String(ip.to_string()));
        }
        out.push(Live { id, attributes, outputs });
    }
    Ok(out)
}

/// `{"fingerprint"}` of the user data EC2 holds, `null` when it holds none.
async fn live_user_data(ec2: &Client, id: &str, renderer: &UserData) -> Result<Value> {
    let out = ec2
        .describe_instance_attribute()
        .instance_id(id)
        .attribute(InstanceAttributeName::UserData)
        .send()
        .await
        .map_err(|e| sdk_error("ec2 DescribeInstanceAttribute", e))?;
    let Some(text) = out.user_data().and_then(|u| u.value()).filter(|v| !v.is_empty()) else { return Ok(Value::Null) };
    let bytes = B64.decode(text.trim()).unwrap_or_else(|_| text.as_bytes().to_vec());
    let bytes = age::secrecy::SecretBox::new(Box::new(bytes));
    Ok(json!({ "fingerprint": renderer.fingerprint_live(bytes.expose_secret()) }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn newest_image_by_date_then_name() {
        let img = |id: &str, name: &str, created: &str| Image { id: id.into(), name: name.into(), created: created.into() };
        let got = newest(vec![
            img("ami-1", "base-2024.01", "2024-01-05T00:00:00.000Z"),
            img("ami-2", "base-2024.03", "2024-03-01T00:00:00.000Z"),
            img("ami-3", "base-2024.02", "2024-02-01T00:00:00.000Z"),
        ]);
        assert_eq!(got.map(|i| i.id), Some("ami-2".into()));
        let tie = newest(vec![img("ami-a", "x-1", "2024-01-01"), img("ami-b", "x-2", "2024-01-01")]);
        assert_eq!(tie.map(|i| i.id), Some("ami-b".into()));
        assert_eq!(newest(vec![]), None);
    }
}
