//! `ec2.instance`: images resolved by name pattern, RunInstances with the rendered user
//! data, refresh and re-adoption through DescribeInstances, termination. Instances
//! launched or terminated together are waited for together ([`Instances`]), and a plan's
//! image resolution tells the launches their images' root devices.
//!
//! Live attributes are in the model's shape: `image` is `{"id"}` (the planner resolves a
//! pattern to an id before diffing), `subnet` and `security_groups` are ids, `root_volume`
//! comes from the root device's volume, and `user_data` is `{"fingerprint"}` of what EC2
//! holds (the plaintext is never kept). A terminated instance is gone.

use super::{after, before, ec2_tags, sdk_error, view};
use crate::error::{codes, EngineError, Result};
use crate::provider::{Change, Image, Live};
use crate::userdata::UserData;
use age::secrecy::ExposeSecret as _;
use aws_sdk_ec2::types::{
    BlockDeviceMapping, EbsBlockDevice, Filter, HttpTokensState, IamInstanceProfileSpecification,
    InstanceAttributeName, InstanceMetadataEndpointState, InstanceMetadataOptionsRequest,
    InstanceNetworkInterfaceSpecification, InstanceStateName, InstanceType, LocationType, ResourceType, VolumeType,
};
use aws_sdk_ec2::Client;
use base64::Engine as _;
use drove_compiler::model::instance::{self, Instance, RootVolume};
use drove_compiler::model::{Tags, Val};
use serde_json::{Map, Value};
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{oneshot, Notify, OnceCell};

/// How long an instance may take to reach `running` or `terminated`.
pub const WAIT: Duration = Duration::from_secs(600);

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;
/// Tags drove sets itself and removes from the live view. Unlike other kinds, an
/// instance's `drove:role` tag is the model's (the compiler writes it), so it stays.
const OWN_TAGS: [&str; 3] = [ec2_tags::STACK_TAG, ec2_tags::ADDRESS_TAG, ec2_tags::LINEAGE_TAG];

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

/// The newest available image matching `pattern`; its root device name is remembered in
/// `roots`, so launching from it later needs no call of its own.
pub async fn resolve_image(ec2: &Client, pattern: &str, owner: Option<&str>, roots: &RootDevices) -> Result<Image> {
    let mut found = Vec::new();
    let mut root_of: HashMap<String, String> = HashMap::new();
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
            if let (Some(id), Some(root)) = (i.image_id(), i.root_device_name()) {
                root_of.insert(id.to_string(), root.to_string());
            }
            let root = i.root_device_name();
            let root_snapshot_gib = i
                .block_device_mappings()
                .iter()
                .find(|m| m.device_name().is_some() && m.device_name() == root)
                .and_then(|m| m.ebs())
                .and_then(|e| e.volume_size())
                .and_then(|n| u64::try_from(n).ok());
            found.push(Image {
                architecture: i.architecture().map(|a| a.as_str().to_string()),
                root_snapshot_gib,
                ..Image::new(
                    i.image_id().unwrap_or_default(),
                    i.name().unwrap_or_default(),
                    i.creation_date().unwrap_or_default(),
                )
            });
        }
        token = page.next_token().filter(|t| !t.is_empty()).map(str::to_string);
        if token.is_none() {
            break;
        }
    }
    let owned = owner.map(|o| format!(" owned by {o}")).unwrap_or_default();
    let image = newest(found).ok_or_else(|| {
        EngineError::new(codes::NO_IMAGE, format!("no available image matches image(\"{pattern}\"){owned}"))
            .with_help("check the pattern (`*` matches any text) and the owner; images are per region")
    })?;
    if let Some(root) = root_of.remove(&image.id) {
        roots.remember(&image.id, root);
    }
    Ok(image)
}

/// Which of `types` EC2 offers in the availability zone `zone`: one
/// DescribeInstanceTypeOfferings call (and its pages), whatever the number of types.
pub async fn offered_types(ec2: &Client, zone: &str, types: &[String]) -> Result<BTreeSet<String>> {
    let mut offered = BTreeSet::new();
    let mut token: Option<String> = None;
    loop {
        let page = ec2
            .describe_instance_type_offerings()
            .location_type(LocationType::AvailabilityZone)
            .filters(filter("location", [zone]))
            .filters(filter("instance-type", types.iter().cloned()))
            .set_next_token(token.clone())
            .send()
            .await
            .map_err(|e| sdk_error("ec2 DescribeInstanceTypeOfferings", e))?;
        for o in page.instance_type_offerings() {
            if let Some(t) = o.instance_type() {
                offered.insert(t.as_str().to_string());
            }
        }
        token = page.next_token().filter(|t| !t.is_empty()).map(str::to_string);
        if token.is_none() {
            return Ok(offered);
        }
    }
}

/// Root device names of images by id. RunInstances needs the image's root device to
/// size and encrypt its volume; a plan resolving an image pattern has just been told it,
/// so an apply after a plan asks for none, and one of a saved plan asks once per image
/// however many instances launch from it at once.
#[derive(Default)]
pub struct RootDevices(std::sync::Mutex<HashMap<String, Arc<OnceCell<String>>>>);

impl RootDevices {
    fn cell(&self, image: &str) -> Arc<OnceCell<String>> {
        let mut cells = self.0.lock().unwrap_or_else(|e| e.into_inner());
        cells.entry(image.to_string()).or_default().clone()
    }

    fn remember(&self, image: &str, root: String) {
        let _ = self.cell(image).set(root);
    }

    async fn get(&self, ec2: &Client, image: &str) -> Result<String> {
        let cell = self.cell(image);
        let root = cell
            .get_or_try_init(|| async {
                let out = ec2
                    .describe_images()
                    .image_ids(image)
                    .send()
                    .await
                    .map_err(|e| sdk_error("ec2 DescribeImages", e))?;
                out.images().first().and_then(|i| i.root_device_name()).map(str::to_string).ok_or_else(|| {
                    EngineError::new(codes::NO_IMAGE, format!("image {image} does not exist or has no root device"))
                })
            })
            .await?;
        Ok(root.clone())
    }
}

/// What the provider keeps for instances across the changes of a run: images' root
/// devices, and the watch that reads every instance launched or terminated at about the
/// same time with one DescribeInstances.
pub struct Instances {
    ec2: Client,
    pub roots: RootDevices,
    watch: Arc<Watch>,
}

impl Instances {
    pub fn new(ec2: Client) -> Instances {
        Instances { ec2, roots: RootDevices::default(), watch: Arc::default() }
    }

    pub async fn resolve_image(&self, pattern: &str, owner: Option<&str>) -> Result<Image> {
        resolve_image(&self.ec2, pattern, owner, &self.roots).await
    }

    pub async fn offered_types(&self, zone: &str, types: &[String]) -> Result<BTreeSet<String>> {
        offered_types(&self.ec2, zone, types).await
    }

    /// Launches the instance of a create change and waits until it runs.
    pub async fn create(&self, c: &Change, stack: &str, user_data: Option<&UserData>) -> Result<Live> {
        create(self, c, stack, user_data).await
    }

    pub async fn terminate(&self, id: &str) -> Result<()> {
        let coming = self.watch.coming();
        match self.ec2.terminate_instances().instance_ids(id).send().await {
            Ok(_) => {}
            Err(e) if aws_code(&e) == Some("InvalidInstanceID.NotFound") => return Ok(()),
            Err(e) => return Err(sdk_error("ec2 TerminateInstances", e)),
        }
        self.watch.until(&self.ec2, coming, id, InstanceStateName::Terminated).await.map(|_| ())
    }
}

async fn create(x: &Instances, c: &Change, stack: &str, user_data: Option<&UserData>) -> Result<Live> {
    let ec2 = &x.ec2;
    let a: Instance = after(c)?;
    let bad = |what: &str| EngineError::new(codes::INVALID_CHANGE, format!("{}: {what}", c.address));
    let image = match &a.image {
        Some(instance::Image::Id { id }) => id.as_str(),
        _ => return Err(bad("no image id (the plan resolves image patterns)")),
    };
    let instance_type = a.instance_type.as_deref().ok_or_else(|| bad("no instance_type"))?;
    let subnet = a.subnet.text().ok_or_else(|| bad("no subnet id"))?;

    let mut encoded = None;
    if let Some(ud) = &a.user_data {
        let renderer = user_data.ok_or_else(|| {
            EngineError::new(
                codes::USER_DATA,
                format!("{}: user data cannot be rendered without the stack's sources and keys", c.address),
            )
        })?;
        let r = renderer.render(ud)?;
        if ud.fingerprint.as_deref().is_some_and(|f| f != r.fingerprint) {
            return Err(EngineError::new(
                codes::STALE_PLAN,
                format!("{}: its user data (a secret or a file) changed since the plan was made", c.address),
            )
            .with_help("make a new plan"));
        }
        encoded = Some(B64.encode(r.bytes.expose_secret()));
    }

    let mut nic = InstanceNetworkInterfaceSpecification::builder()
        .device_index(0)
        .subnet_id(subnet)
        .delete_on_termination(true)
        .associate_public_ip_address(a.associate_public_ip);
    for g in a.security_groups.iter().filter_map(Val::text) {
        nic = nic.groups(g);
    }
    if let Some(ip) = &a.private_ip {
        nic = nic.private_ip_address(ip);
    }
    let ebs = EbsBlockDevice::builder()
        .set_volume_size(a.root_volume.and_then(|r| i32::try_from(r.size_gib).ok()))
        .encrypted(a.root_volume.is_none_or(|r| r.encrypted))
        .volume_type(VolumeType::Gp3)
        .delete_on_termination(true)
        .build();
    let tokens = if a.imdsv2_required { HttpTokensState::Required } else { HttpTokensState::Optional };
    let coming = x.watch.coming();
    let root = x.roots.get(ec2, image).await?;
    let mut req = ec2
        .run_instances()
        .image_id(image)
        .instance_type(InstanceType::from(instance_type))
        .min_count(1)
        .max_count(1)
        .client_token(&c.token)
        .network_interfaces(nic.build())
        .block_device_mappings(BlockDeviceMapping::builder().device_name(root).ebs(ebs).build())
        .metadata_options(
            InstanceMetadataOptionsRequest::builder()
                .http_tokens(tokens)
                .http_endpoint(InstanceMetadataEndpointState::Enabled)
                .build(),
        )
        .set_user_data(encoded);
    if let Some(profile) = &a.instance_profile {
        let arn = profile.text().ok_or_else(|| bad("no instance profile ARN"))?;
        req = req.iam_instance_profile(IamInstanceProfileSpecification::builder().arn(arn).build());
    }
    for kind in [ResourceType::Instance, ResourceType::Volume] {
        req = req.tag_specifications(ec2_tags::specification(kind, &ec2_tags::Owner::of(stack, c), Some(&a.tags)));
    }
    let out = run_instances(req).await?;
    let id = out.instances().first().and_then(|i| i.instance_id()).map(str::to_string).ok_or_else(|| {
        EngineError::new(codes::AWS_CALL, format!("{}: RunInstances returned no instance", c.address))
    })?;
    let running = x
        .watch
        .until(ec2, coming, &id, InstanceStateName::Running)
        .await?
        .ok_or_else(|| EngineError::new(codes::AWS_CALL, format!("{}: {id} vanished after launch", c.address)))?;
    // What was just sent is what EC2 holds: the user data and the root volume (sized and
    // encrypted as asked, or the launch fails) need no reading back.
    let root_volume = match a.root_volume {
        Some(r) => Some(r),
        None => root_volumes(ec2, std::slice::from_ref(&running)).await?.into_values().next(),
    };
    let fingerprint = a.user_data.and_then(|ud| ud.fingerprint).map(live_fingerprint);
    Ok(view_of(&running, root_volume, fingerprint).live())
}

/// How long RunInstances is retried while EC2 does not know a new instance profile yet.
const PROFILE_PROPAGATION: Duration = Duration::from_secs(90);

/// RunInstances, retried while IAM's new instance profile is still unknown to EC2: IAM is
/// eventually consistent, and a profile made seconds earlier is refused as invalid.
async fn run_instances(
    req: aws_sdk_ec2::operation::run_instances::builders::RunInstancesFluentBuilder,
) -> Result<aws_sdk_ec2::operation::run_instances::RunInstancesOutput> {
    let started = Instant::now();
    loop {
        match req.clone().send().await {
            Ok(out) => return Ok(out),
            Err(e) if profile_not_yet_known(&e) && started.elapsed() < PROFILE_PROPAGATION => {
                tokio::time::sleep(Duration::from_secs(3)).await;
            }
            Err(e) => return Err(sdk_error("ec2 RunInstances", e)),
        }
    }
}

fn profile_not_yet_known<R>(
    e: &aws_sdk_ec2::error::SdkError<aws_sdk_ec2::operation::run_instances::RunInstancesError, R>,
) -> bool {
    use aws_sdk_ec2::error::ProvideErrorMetadata as _;
    let Some(s) = e.as_service_error() else { return false };
    s.code() == Some("InvalidParameterValue")
        && s.message()
            .is_some_and(|m| m.to_ascii_lowercase().contains("instance profile") || m.contains("iamInstanceProfile"))
}

/// Tags and security groups change in place; the rest forces a replacement.
pub async fn update(ec2: &Client, c: &Change, stack: &str, user_data: Option<&UserData>) -> Result<Live> {
    let id = c
        .id
        .clone()
        .ok_or_else(|| EngineError::new(codes::INVALID_CHANGE, format!("{}: an update without an id", c.address)))?;
    let (want, have): (Instance, Instance) = (after(c)?, before(c)?);
    let groups =
        |i: &Instance| -> Vec<String> { i.security_groups.iter().filter_map(Val::text).map(str::to_string).collect() };
    let want_groups = groups(&want);
    let mut have_groups = groups(&have);
    let mut sorted = want_groups.clone();
    sorted.sort();
    have_groups.sort();
    if sorted != have_groups {
        ec2.modify_instance_attribute()
            .instance_id(&id)
            .set_groups(Some(want_groups))
            .send()
            .await
            .map_err(|e| sdk_error("ec2 ModifyInstanceAttribute", e))?;
    }
    ec2_tags::update(ec2, &id, &ec2_tags::Owner::of(stack, c), Some(&have.tags), Some(&want.tags)).await?;
    let mut lives = read(ec2, std::slice::from_ref(&id), user_data).await?;
    lives.remove(&id).ok_or_else(|| EngineError::new(codes::AWS_CALL, format!("{}: {id} is gone", c.address)))
}

fn aws_code<E: aws_sdk_ec2::error::ProvideErrorMetadata, R>(e: &aws_sdk_ec2::error::SdkError<E, R>) -> Option<&str> {
    e.as_service_error().and_then(|s| s.code())
}

/// Instances waiting to reach a state, read together: each round is one DescribeInstances
/// for all of them (a page for every 150), so an apply launching many instances at once
/// waits for them with a few calls, not a few per instance. A round starts once every
/// launch or termination in flight has its answer (for at most [`GATHER`]), so the
/// instances a walk starts together are read together.
#[derive(Default)]
struct Watch {
    state: std::sync::Mutex<Watching>,
    changed: Notify,
}

#[derive(Default)]
struct Watching {
    /// RunInstances or TerminateInstances calls sent whose instance is not waited for yet.
    coming: usize,
    waiting: HashMap<String, Waiter>,
    polling: bool,
    /// A waiter arrived since the last round: poll again soon.
    arrived: bool,
}

type Answer = Result<Option<aws_sdk_ec2::types::Instance>>;

struct Waiter {
    want: InstanceStateName,
    since: Instant,
    reply: oneshot::Sender<Answer>,
}

const LAUNCH_FAILED: &str =
    "see the instance's state reason in the console (capacity, a bad image, a volume it cannot encrypt)";

/// How long a round waits for launches in flight to join it.
const GATHER: Duration = Duration::from_secs(1);
const FIRST_PAUSE: Duration = Duration::from_millis(200);
const LONGEST_PAUSE: Duration = Duration::from_secs(5);

/// A launch or termination in flight; when dropped before its instance is waited for
/// (the call failed), the next round no longer waits for it.
struct Coming(Option<Arc<Watch>>);

impl Drop for Coming {
    fn drop(&mut self) {
        if let Some(w) = self.0.take() {
            w.lock().coming -= 1;
            w.changed.notify_one();
        }
    }
}

impl Watch {
    fn lock(&self) -> std::sync::MutexGuard<'_, Watching> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn coming(self: &Arc<Self>) -> Coming {
        self.lock().coming += 1;
        Coming(Some(self.clone()))
    }

    /// Waits until instance `id` reaches `want` (for at most [`WAIT`]); its description
    /// then (`None` for one terminated and gone).
    async fn until(self: &Arc<Self>, ec2: &Client, mut coming: Coming, id: &str, want: InstanceStateName) -> Answer {
        let (reply, answer) = oneshot::channel();
        {
            let mut w = self.lock();
            coming.0 = None;
            w.coming -= 1;
            w.waiting.insert(id.to_string(), Waiter { want, since: Instant::now(), reply });
            w.arrived = true;
            if !w.polling {
                w.polling = true;
                tokio::spawn(self.clone().poll(ec2.clone()));
            }
        }
        self.changed.notify_one();
        answer.await.map_err(|_| EngineError::new(codes::INSTANCE_WAIT, format!("{id}: the wait for it stopped")))?
    }

    async fn poll(self: Arc<Self>, ec2: Client) {
        let mut pause = FIRST_PAUSE;
        loop {
            let gathered = tokio::time::Instant::now() + GATHER;
            while self.lock().coming > 0 {
                if tokio::time::timeout_at(gathered, self.changed.notified()).await.is_err() {
                    break;
                }
            }
            let ids: Vec<String> = {
                let mut w = self.lock();
                w.arrived = false;
                w.waiting.keys().cloned().collect()
            };
            let mut found = HashMap::new();
            let mut failed = None;
            for chunk in ids.chunks(150) {
                match describe_any(&ec2, vec![filter("instance-id", chunk.iter().cloned())]).await {
                    Ok(list) => found.extend(list.into_iter().filter_map(|i| Some((i.instance_id()?.to_string(), i)))),
                    Err(e) => failed = Some(e),
                }
            }
            if !self.answer(&ids, found, failed) {
                return;
            }
            if std::mem::take(&mut self.lock().arrived) {
                pause = FIRST_PAUSE;
            }
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(LONGEST_PAUSE);
        }
    }

    /// Answers the waiters a round's description settles; false when none is left (and
    /// the next waiter starts a new poll).
    fn answer(
        &self,
        ids: &[String],
        mut found: HashMap<String, aws_sdk_ec2::types::Instance>,
        failed: Option<EngineError>,
    ) -> bool {
        let mut w = self.lock();
        for id in ids {
            let Some(waiter) = w.waiting.get(id) else { continue };
            let state = found.get(id).and_then(|i| i.state()).and_then(|s| s.name()).cloned();
            let answer: Option<Answer> = match (&failed, state) {
                (Some(e), _) => Some(Err(e.clone())),
                (None, Some(s)) if s == waiter.want => Some(Ok(found.remove(id))),
                // An instance that terminated while launching failed to launch.
                (None, Some(InstanceStateName::Terminated | InstanceStateName::ShuttingDown))
                    if waiter.want == InstanceStateName::Running =>
                {
                    Some(Err(EngineError::new(codes::INSTANCE_WAIT, format!("{id} terminated while launching"))
                        .with_help(LAUNCH_FAILED)))
                }
                (None, None) if waiter.want == InstanceStateName::Terminated => Some(Ok(None)),
                _ if waiter.since.elapsed() > WAIT => Some(Err(EngineError::new(
                    codes::INSTANCE_WAIT,
                    format!("{id} did not become {} within {} s", waiter.want.as_str(), WAIT.as_secs()),
                )
                .with_help("run again: the instance is found again by its tags"))),
                _ => None,
            };
            if let Some(answer) = answer {
                if let Some(waiter) = w.waiting.remove(id) {
                    // A waiter whose apply was cancelled no longer listens.
                    let _ = waiter.reply.send(answer);
                }
            }
        }
        if w.waiting.is_empty() {
            w.polling = false;
            return false;
        }
        true
    }
}

/// An instance in the model's terms, before it becomes a [`Live`].
#[derive(Debug, Clone)]
pub struct View {
    pub id: String,
    pub instance: Instance,
    /// Attributes EC2 did not answer (no `drove:role` tag): `null` in the live view, as
    /// it has always been written.
    missing: Vec<&'static str>,
    outputs: Map<String, Value>,
    owner: Option<String>,
}

impl View {
    pub fn live(self) -> Live {
        Live::new(self.id, view(&self.instance, self.missing), self.outputs).owned_by(self.owner)
    }
}

/// The `user_data` of a live view: nothing but the fingerprint.
fn live_fingerprint(fingerprint: String) -> instance::UserData {
    instance::UserData { fingerprint: Some(fingerprint), ..Default::default() }
}

/// The live view of instances by id (terminated ones are absent). With a renderer, the
/// user data EC2 holds is fingerprinted; without one `user_data` is left out.
pub async fn read(ec2: &Client, ids: &[String], user_data: Option<&UserData>) -> Result<HashMap<String, Live>> {
    Ok(read_views(ec2, ids, user_data).await?.into_iter().map(|(id, v)| (id, v.live())).collect())
}

/// [`read`], in the model's terms.
pub async fn read_views(ec2: &Client, ids: &[String], user_data: Option<&UserData>) -> Result<HashMap<String, View>> {
    let mut out = HashMap::new();
    if ids.is_empty() {
        return Ok(out);
    }
    // A filter, unlike InstanceIds, does not fail the whole call for one id that is gone.
    for chunk in ids.chunks(150) {
        let found = describe(ec2, vec![filter("instance-id", chunk.iter().cloned())]).await?;
        for view in views(ec2, found, user_data).await? {
            out.insert(view.id.clone(), view);
        }
    }
    Ok(out)
}

/// The instances of a stack by their `drove:address` tag, for re-adoption.
pub async fn find_by_address(ec2: &Client, stack: &str, user_data: Option<&UserData>) -> Result<HashMap<String, View>> {
    let found = describe(
        ec2,
        ec2_tags::filters(stack, None)
            .into_iter()
            .chain([filter("instance-state-name", ["pending", "running", "stopping", "stopped"])])
            .collect(),
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
    let views = views(ec2, instances, user_data).await?;
    Ok(addresses.into_iter().zip(views).collect())
}

/// Every instance matching the filters that is not terminated, all pages followed (moto
/// pages at 100 reservations even without MaxResults; a repeated token ends the walk).
pub(crate) async fn describe(ec2: &Client, filters: Vec<Filter>) -> Result<Vec<aws_sdk_ec2::types::Instance>> {
    let mut all = describe_any(ec2, filters).await?;
    all.retain(|i| {
        !matches!(
            i.state().and_then(|s| s.name()),
            Some(InstanceStateName::Terminated | InstanceStateName::ShuttingDown)
        )
    });
    Ok(all)
}

/// [`describe`], terminated instances included.
async fn describe_any(ec2: &Client, filters: Vec<Filter>) -> Result<Vec<aws_sdk_ec2::types::Instance>> {
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
        out.extend(page.reservations().iter().flat_map(|r| r.instances()).cloned());
        match page.next_token() {
            Some(t) if !t.is_empty() && token.as_deref() != Some(t) => token = Some(t.to_string()),
            _ => return Ok(out),
        }
    }
}

/// The model's view of instances, in order: their root volumes in one call, user data
/// one call per instance (EC2 has no batch read for it).
async fn views(
    ec2: &Client,
    instances: Vec<aws_sdk_ec2::types::Instance>,
    user_data: Option<&UserData>,
) -> Result<Vec<View>> {
    let mut volumes = root_volumes(ec2, &instances).await?;
    let mut out = Vec::with_capacity(instances.len());
    for i in instances {
        let id = i.instance_id().unwrap_or_default();
        let ud = match user_data {
            Some(renderer) => live_user_data(ec2, id, renderer).await?,
            None => None,
        };
        out.push(view_of(&i, volumes.remove(id), ud));
    }
    Ok(out)
}

/// The root device's volume id of an instance.
fn root_volume_id(i: &aws_sdk_ec2::types::Instance) -> Option<String> {
    let root = i.root_device_name()?;
    i.block_device_mappings()
        .iter()
        .find(|m| m.device_name() == Some(root))
        .and_then(|m| m.ebs())
        .and_then(|e| e.volume_id())
        .map(str::to_string)
}

/// The root volumes of instances by instance id, read in one call (a page for every 150).
async fn root_volumes(ec2: &Client, instances: &[aws_sdk_ec2::types::Instance]) -> Result<HashMap<String, RootVolume>> {
    let of_volume: HashMap<String, String> =
        instances.iter().filter_map(|i| Some((root_volume_id(i)?, i.instance_id()?.to_string()))).collect();
    let volume_ids: Vec<String> = of_volume.keys().cloned().collect();
    let mut out = HashMap::new();
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
                if let Some(instance) = v.volume_id().and_then(|id| of_volume.get(id)) {
                    let size_gib = v.size().and_then(|s| u64::try_from(s).ok()).unwrap_or_default();
                    out.insert(instance.clone(), RootVolume { size_gib, encrypted: v.encrypted().unwrap_or(false) });
                }
            }
            token = page.next_token().filter(|t| !t.is_empty()).map(str::to_string);
            if token.is_none() {
                break;
            }
        }
    }
    Ok(out)
}

/// One described instance in the model's terms.
fn view_of(
    i: &aws_sdk_ec2::types::Instance,
    root_volume: Option<RootVolume>,
    user_data: Option<instance::UserData>,
) -> View {
    let id = i.instance_id().unwrap_or_default().to_string();
    let tags: Tags = i
        .tags()
        .iter()
        .filter_map(|t| Some((t.key()?, t.value()?)))
        .filter(|(k, _)| !OWN_TAGS.contains(k))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    // The primary interface's groups are the instance's (moto leaves the instance's
    // own list empty when the groups were given on the interface).
    let primary = i.network_interfaces().iter().find(|n| n.attachment().and_then(|a| a.device_index()) == Some(0));
    let mut groups: Vec<&str> = match primary {
        Some(n) if !n.groups().is_empty() => n.groups().iter().filter_map(|g| g.group_id()).collect(),
        _ => i.security_groups().iter().filter_map(|g| g.group_id()).collect(),
    };
    groups.sort_unstable();
    let tokens = i.metadata_options().and_then(|m| m.http_tokens());
    let mut missing = Vec::new();
    let mut answered = |name: &'static str, v: Option<&str>| {
        if v.is_none() {
            missing.push(name);
        }
        v.unwrap_or_default().to_string()
    };
    let role = answered("role", ec2_tags::tag(i.tags(), "drove:role"));
    let image = answered("image", i.image_id());
    let subnet = answered("subnet", i.subnet_id());
    let instance = Instance {
        role,
        image: Some(instance::Image::Id { id: image }),
        instance_type: i.instance_type().map(|t| t.as_str().to_string()),
        subnet: Val::Lit(subnet),
        security_groups: groups.into_iter().map(|g| Val::Lit(g.to_string())).collect(),
        private_ip: i.private_ip_address().map(str::to_string),
        associate_public_ip: i.public_ip_address().is_some(),
        root_volume,
        imdsv2_required: tokens == Some(&HttpTokensState::Required),
        user_data,
        instance_profile: i.iam_instance_profile().and_then(|p| p.arn()).map(|a| Val::Lit(a.to_string())),
        tags,
        rollout: None,
    };
    let mut outputs = Map::new();
    outputs.insert("id".into(), Value::String(id.clone()));
    if let Some(ip) = i.private_ip_address() {
        outputs.insert("private_ip".into(), Value::String(ip.to_string()));
    }
    if let Some(ip) = i.public_ip_address() {
        outputs.insert("public_ip".into(), Value::String(ip.to_string()));
    }
    View { id, instance, missing, outputs, owner: ec2_tags::owner(i.tags()) }
}

/// The fingerprint of the user data EC2 holds, `None` when it holds none.
async fn live_user_data(ec2: &Client, id: &str, renderer: &UserData) -> Result<Option<instance::UserData>> {
    let out = ec2
        .describe_instance_attribute()
        .instance_id(id)
        .attribute(InstanceAttributeName::UserData)
        .send()
        .await
        .map_err(|e| sdk_error("ec2 DescribeInstanceAttribute", e))?;
    let Some(text) = out.user_data().and_then(|u| u.value()).filter(|v| !v.is_empty()) else { return Ok(None) };
    let bytes = B64.decode(text.trim()).unwrap_or_else(|_| text.as_bytes().to_vec());
    let bytes = age::secrecy::SecretBox::new(Box::new(bytes));
    Ok(Some(live_fingerprint(renderer.fingerprint_live(bytes.expose_secret()))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn newest_image_by_date_then_name() {
        let img = Image::new;
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
