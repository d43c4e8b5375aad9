//! Images and registries: ECR private repositories, ECR Public and Docker Hub (1.6, 10.3, 10.4).
//!
//! `repositories[]` holds CreateRepository requests (`repositoryName`: a private ECR
//! repository of the playground's account, `123456789012.dkr.ecr.us-east-1.amazonaws.com/name`)
//! or a `repositoryUri` for any registry (`public.ecr.aws/nginx/nginx`, `nginx`,
//! `docker.io/library/nginx`), with the playground's `images[]` (`imageTag` or `imageTags`,
//! `imageDigest`, `sizeMiB`, `pushedAt`, `scanStatus`) and, for ECR, a PutLifecyclePolicy
//! `lifecyclePolicyText`.
//!
//! What follows from them:
//! * an image's size drives its pull time (images of undeclared repositories use
//!   `options.lifecycle.defaultImageSizeMiB`);
//! * a pull of a tag or digest a declared repository does not have, or an image its lifecycle
//!   policy expired, fails with `CannotPullContainerError: ... not found` → `TaskFailedToStart`
//!   and the service throttle (G37). Undeclared repositories are not checked;
//! * a private ECR pull needs `ecr:GetAuthorizationToken`, `ecr:BatchGetImage` and
//!   `ecr:GetDownloadUrlForLayer` from the execution role (on EC2 without one, the instance
//!   profile's role, 1.6); without them Fargate reports `ResourceInitializationError: unable
//!   to pull secrets or registry auth: ...` and EC2 `CannotPullContainerError` (10.4);
//! * on EC2 the agent's default pull behaviour (`ECS_IMAGE_PULL_BEHAVIOR=default`) falls back
//!   to an image the instance already has when the registry refuses the pull [AGENT];
//!   Fargate never has a cached image.
//!
//! Lifecycle policies are evaluated at time zero and every simulated day
//! ([`LIFECYCLE_EVALUATION_MS`]); rules apply lowest `rulePriority` first and an image whose
//! tags a rule selects is never expired by a later rule.

use serde_json::Value;

use crate::event_log::EventKind;
use crate::sim::Simulation;

/// The playground's account.
pub const ACCOUNT: &str = "123456789012";
/// The playground's Region.
pub const REGION: &str = "us-east-1";
/// How often lifecycle policies run (ECR runs them about once a day [unconfirmed]).
pub const LIFECYCLE_EVALUATION_MS: u64 = 86_400_000;
/// Most images per repository in a scenario.
pub const MAX_IMAGES: usize = 1_000;

/// Where an image lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegistryKind {
    /// A private ECR registry.
    EcrPrivate {
        /// Account id.
        account: String,
        /// Region.
        region: String,
        /// Repository name.
        name: String,
    },
    /// ECR Public (`public.ecr.aws`): anonymous pulls.
    EcrPublic,
    /// Docker Hub (`docker.io`): anonymous pulls.
    DockerHub,
    /// Any other registry (not checked).
    Other,
}

/// An image reference, split and normalised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageRef {
    /// The registry.
    pub kind: RegistryKind,
    /// The canonical repository, e.g. `docker.io/library/nginx`.
    pub repository: String,
    /// The tag (`latest` when neither a tag nor a digest is given).
    pub tag: Option<String>,
    /// The digest after `@`.
    pub digest: Option<String>,
}

/// Splits an image reference as Docker does: `[registry/]path[:tag][@digest]`; a first
/// component without `.` or `:` (and not `localhost`) is a Docker Hub path, where a single
/// name means `library/name`.
pub fn parse_image(image: &str) -> ImageRef {
    let image = image.trim();
    let (name, digest) = match image.split_once('@') {
        Some((n, d)) => (n, Some(d.to_string())),
        None => (image, None),
    };
    let last_slash = name.rfind('/').map_or(0, |i| i + 1);
    let (name, tag) = match name[last_slash..].rfind(':') {
        Some(i) => (
            &name[..last_slash + i],
            Some(name[last_slash + i + 1..].to_string()),
        ),
        None => (name, None),
    };
    let tag = match (tag, &digest) {
        (None, None) => Some("latest".to_string()),
        (t, _) => t,
    };
    let (host, path) = match name.split_once('/') {
        Some((h, p)) if h.contains('.') || h.contains(':') || h == "localhost" => (h, p),
        _ => ("docker.io", name),
    };
    let host = match host {
        "index.docker.io" | "registry-1.docker.io" => "docker.io",
        h => h,
    };
    let (kind, repository) = if host == "docker.io" {
        let path = if path.contains('/') {
            path.to_string()
        } else {
            format!("library/{path}")
        };
        (RegistryKind::DockerHub, format!("docker.io/{path}"))
    } else if host == "public.ecr.aws" {
        (RegistryKind::EcrPublic, format!("{host}/{path}"))
    } else if let Some((account, rest)) = host.split_once(".dkr.ecr.") {
        let region = rest.strip_suffix(".amazonaws.com").unwrap_or(rest);
        (
            RegistryKind::EcrPrivate {
                account: account.to_string(),
                region: region.to_string(),
                name: path.to_string(),
            },
            format!("{host}/{path}"),
        )
    } else {
        (RegistryKind::Other, format!("{host}/{path}"))
    };
    ImageRef {
        kind,
        repository,
        tag,
        digest,
    }
}

impl ImageRef {
    /// `arn:aws:ecr:region:account:repository/name` for a private ECR image.
    pub fn repository_arn(&self) -> Option<String> {
        match &self.kind {
            RegistryKind::EcrPrivate {
                account,
                region,
                name,
            } => Some(format!("arn:aws:ecr:{region}:{account}:repository/{name}")),
            _ => None,
        }
    }
}

/// One image of a repository.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Image {
    /// Its tags (none: untagged).
    pub tags: Vec<String>,
    /// `sha256:...`.
    pub digest: String,
    /// Compressed size, MiB.
    pub size_mib: f64,
    /// When it was pushed, epoch milliseconds (an image pushed after the start appears then).
    pub pushed_at_epoch_ms: i64,
    /// `imageScanStatus.status` (`COMPLETE`, `FAILED`, ...), if scanned.
    pub scan_status: Option<String>,
    /// When a lifecycle rule expired it (simulated milliseconds), and which rule.
    pub expired: Option<(u64, u32)>,
}

/// `selection.tagStatus`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TagStatus {
    /// Images with tags matching the lists.
    Tagged,
    /// Images without tags.
    Untagged,
    /// Every image.
    Any,
}

/// `selection.countType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CountType {
    /// Keep the newest `n` selected images.
    ImageCountMoreThan(u32),
    /// Expire selected images pushed more than `n` days ago.
    SinceImagePushedDays(u32),
}

/// One lifecycle policy rule (action `expire`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LifecycleRule {
    /// `rulePriority`: lowest first.
    pub priority: u32,
    /// `selection.tagStatus`.
    pub tag_status: TagStatus,
    /// `selection.tagPrefixList`: every prefix must match one of the image's tags.
    pub prefixes: Vec<String>,
    /// `selection.tagPatternList` (`*` wildcards): every pattern must match one tag.
    pub patterns: Vec<String>,
    /// `countType` with `countNumber`.
    pub count: CountType,
}

impl LifecycleRule {
    fn selects(&self, image: &Image) -> bool {
        match self.tag_status {
            TagStatus::Any => true,
            TagStatus::Untagged => image.tags.is_empty(),
            TagStatus::Tagged => {
                !image.tags.is_empty()
                    && self
                        .prefixes
                        .iter()
                        .all(|p| image.tags.iter().any(|t| t.starts_with(p.as_str())))
                    && self
                        .patterns
                        .iter()
                        .all(|p| image.tags.iter().any(|t| crate::iam::glob(p, t, false)))
            }
        }
    }
}

/// A repository.
#[derive(Debug, Clone, PartialEq)]
pub struct Repository {
    /// The canonical repository (see [`ImageRef::repository`]).
    pub uri: String,
    /// Its registry.
    pub kind: RegistryKind,
    /// Its images, in scenario order.
    pub images: Vec<Image>,
    /// Its lifecycle policy's rules, by priority.
    pub lifecycle: Vec<LifecycleRule>,
}

/// What a pull finds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Lookup<'a> {
    /// The repository is not declared: not checked.
    Undeclared,
    /// The image.
    Found(&'a Image),
    /// No such tag or digest (or not pushed yet).
    NotFound,
    /// A lifecycle policy expired it.
    Expired,
}

/// The scenario's repositories.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Registries {
    /// Repositories, in scenario order.
    pub repositories: Vec<Repository>,
}

fn str_list(v: Option<&Value>, path: &str) -> Result<Vec<String>, String> {
    match v {
        None => Ok(Vec::new()),
        Some(Value::Array(a)) => a
            .iter()
            .enumerate()
            .map(|(i, x)| {
                x.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| format!("{path}[{i}]: must be a string"))
            })
            .collect(),
        Some(_) => Err(format!("{path}: must be a list of strings")),
    }
}

fn count_number(v: &Value, path: &str) -> Result<u32, String> {
    v.get("countNumber")
        .and_then(Value::as_u64)
        .filter(|n| *n >= 1)
        .and_then(|n| u32::try_from(n).ok())
        .ok_or_else(|| format!("{path}.countNumber: required, a whole number of at least 1"))
}

/// Parses a PutLifecyclePolicy `lifecyclePolicyText` (a JSON string or an object).
pub fn parse_lifecycle_policy(v: &Value, path: &str) -> Result<Vec<LifecycleRule>, String> {
    let doc: Value = match v {
        Value::String(s) => {
            serde_json::from_str(s).map_err(|e| format!("{path}: not JSON ({e})"))?
        }
        other => other.clone(),
    };
    let rules = doc
        .get("rules")
        .and_then(Value::as_array)
        .filter(|r| !r.is_empty())
        .ok_or_else(|| format!("{path}.rules: required, at least one rule"))?;
    let mut out: Vec<LifecycleRule> = Vec::new();
    for (i, r) in rules.iter().enumerate() {
        let at = format!("{path}.rules[{i}]");
        let priority = r
            .get("rulePriority")
            .and_then(Value::as_u64)
            .filter(|p| *p >= 1)
            .and_then(|p| u32::try_from(p).ok())
            .ok_or_else(|| format!("{at}.rulePriority: required, a whole number of at least 1"))?;
        if out.iter().any(|o| o.priority == priority) {
            return Err(format!(
                "{at}.rulePriority: {priority} is used by another rule; each rule needs its own"
            ));
        }
        let sel = r
            .get("selection")
            .ok_or_else(|| format!("{at}.selection: required"))?;
        let sat = format!("{at}.selection");
        let tag_status = match sel.get("tagStatus").and_then(Value::as_str) {
            Some("tagged") => TagStatus::Tagged,
            Some("untagged") => TagStatus::Untagged,
            Some("any") => TagStatus::Any,
            other => {
                return Err(format!(
                    "{sat}.tagStatus: {other:?} is not tagged, untagged or any"
                ))
            }
        };
        let prefixes = str_list(sel.get("tagPrefixList"), &format!("{sat}.tagPrefixList"))?;
        let patterns = str_list(sel.get("tagPatternList"), &format!("{sat}.tagPatternList"))?;
        match tag_status {
            TagStatus::Tagged if prefixes.is_empty() && patterns.is_empty() => {
                return Err(format!(
                    "{sat}.tagPrefixList: a tagged rule needs tagPrefixList or tagPatternList"
                ))
            }
            TagStatus::Untagged | TagStatus::Any
                if !prefixes.is_empty() || !patterns.is_empty() =>
            {
                return Err(format!(
                    "{sat}.tagStatus: only a tagged rule takes tagPrefixList or tagPatternList"
                ))
            }
            _ => {}
        }
        let n = count_number(sel, &sat)?;
        let count = match sel.get("countType").and_then(Value::as_str) {
            Some("imageCountMoreThan") => CountType::ImageCountMoreThan(n),
            Some("sinceImagePushed") => {
                if sel.get("countUnit").and_then(Value::as_str) != Some("days") {
                    return Err(format!(
                        "{sat}.countUnit: sinceImagePushed needs countUnit \"days\""
                    ));
                }
                CountType::SinceImagePushedDays(n)
            }
            other => {
                return Err(format!(
                    "{sat}.countType: {other:?} is not simulated; use imageCountMoreThan or sinceImagePushed"
                ))
            }
        };
        let action = r
            .get("action")
            .and_then(|a| a.get("type"))
            .and_then(Value::as_str);
        if action != Some("expire") {
            return Err(format!(
                "{at}.action.type: {action:?} is not simulated; the playground's rules expire"
            ));
        }
        out.push(LifecycleRule {
            priority,
            tag_status,
            prefixes,
            patterns,
            count,
        });
    }
    out.sort_by_key(|r| r.priority);
    if let Some(pos) = out.iter().position(|r| r.tag_status == TagStatus::Any) {
        if pos + 1 != out.len() {
            return Err(format!(
                "{path}.rules: a rule with tagStatus any must have the highest rulePriority"
            ));
        }
    }
    Ok(out)
}

fn repository_name_ok(name: &str) -> bool {
    (2..=256).contains(&name.len())
        && name.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && name.chars().all(|c| {
            c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-' | '/')
        })
}

fn parse_image_entry(
    v: &Value,
    path: &str,
    repository: &str,
    index: usize,
    default_size_mib: f64,
    start_epoch_ms: i64,
) -> Result<Image, String> {
    let mut tags = str_list(v.get("imageTags"), &format!("{path}.imageTags"))?;
    if let Some(t) = v.get("imageTag") {
        let t = t
            .as_str()
            .filter(|t| !t.is_empty())
            .ok_or_else(|| format!("{path}.imageTag: must be a non-empty string"))?;
        tags.insert(0, t.to_string());
    }
    let digest = match v.get("imageDigest") {
        None => {
            use sha2::Digest;
            let d = sha2::Sha256::digest(format!("{repository}#{index}#{tags:?}").as_bytes());
            format!(
                "sha256:{}",
                d.iter().map(|b| format!("{b:02x}")).collect::<String>()
            )
        }
        Some(d) => d
            .as_str()
            .filter(|d| d.starts_with("sha256:") && d.len() > 7)
            .ok_or_else(|| format!("{path}.imageDigest: must look like sha256:<hex>"))?
            .to_string(),
    };
    if tags.is_empty() && v.get("imageDigest").is_none() {
        return Err(format!(
            "{path}: an image needs imageTag, imageTags or imageDigest"
        ));
    }
    let size_mib = match v.get("sizeMiB") {
        None => default_size_mib,
        Some(s) => s
            .as_f64()
            .filter(|s| (0.0..=100_000.0).contains(s))
            .ok_or_else(|| format!("{path}.sizeMiB: must be a number from 0 to 100000"))?,
    };
    let pushed_at_epoch_ms = match v.get("pushedAt") {
        None => start_epoch_ms,
        Some(p) => p
            .as_str()
            .and_then(crate::calendar::parse_utc_timestamp_ms)
            .ok_or_else(|| {
                format!("{path}.pushedAt: must be a UTC time such as \"2025-01-01T00:00:00Z\"")
            })?,
    };
    let scan_status = match v.get("scanStatus") {
        None => None,
        Some(s) => {
            const STATUSES: &[&str] = &[
                "IN_PROGRESS",
                "COMPLETE",
                "FAILED",
                "UNSUPPORTED_IMAGE",
                "ACTIVE",
                "PENDING",
                "SCAN_ELIGIBILITY_EXPIRED",
                "FINDINGS_UNAVAILABLE",
            ];
            let s = s.as_str().filter(|s| STATUSES.contains(s)).ok_or_else(|| {
                format!("{path}.scanStatus: must be one of {}", STATUSES.join(", "))
            })?;
            Some(s.to_string())
        }
    };
    Ok(Image {
        tags,
        digest,
        size_mib,
        pushed_at_epoch_ms,
        scan_status,
        expired: None,
    })
}

impl Registries {
    /// Parses `repositories[]`; images without `sizeMiB` get `default_size_mib`, without
    /// `pushedAt` the scenario's start.
    pub fn parse(
        items: &[Value],
        default_size_mib: f64,
        start_epoch_ms: i64,
    ) -> Result<Registries, String> {
        let mut repositories: Vec<Repository> = Vec::new();
        for (i, v) in items.iter().enumerate() {
            let path = format!("repositories[{i}]");
            let (uri_path, reference) = match (
                v.get("repositoryName").and_then(Value::as_str),
                v.get("repositoryUri").and_then(Value::as_str),
            ) {
                (Some(name), None) => {
                    if !repository_name_ok(name) {
                        return Err(format!("{path}.repositoryName: \"{name}\" must be 2 to 256 lowercase letters, digits and . _ - /, starting with a letter or digit"));
                    }
                    (
                        format!("{path}.repositoryName"),
                        format!("{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/{name}"),
                    )
                }
                (None, Some(uri)) if !uri.trim().is_empty() => {
                    (format!("{path}.repositoryUri"), uri.to_string())
                }
                _ => {
                    return Err(format!(
                        "{path}.repositoryName: give repositoryName (a private ECR repository) or repositoryUri, not both"
                    ))
                }
            };
            let parsed = parse_image(&reference);
            if parsed.digest.is_some()
                || parsed.tag.as_deref() != Some("latest")
                || reference.ends_with(":latest")
            {
                return Err(format!(
                    "{uri_path}: name the repository without a tag or digest; images go in images[]"
                ));
            }
            if repositories.iter().any(|r| r.uri == parsed.repository) {
                return Err(format!(
                    "{uri_path}: repository {} is declared twice",
                    parsed.repository
                ));
            }
            let list = match v.get("images") {
                None => &[][..],
                Some(Value::Array(a)) => a.as_slice(),
                Some(_) => return Err(format!("{path}.images: must be a list")),
            };
            if list.len() > MAX_IMAGES {
                return Err(format!(
                    "{path}.images: {} images; the limit is {MAX_IMAGES}",
                    list.len()
                ));
            }
            let mut images: Vec<Image> = Vec::new();
            for (j, img) in list.iter().enumerate() {
                let at = format!("{path}.images[{j}]");
                let image = parse_image_entry(
                    img,
                    &at,
                    &parsed.repository,
                    j,
                    default_size_mib,
                    start_epoch_ms,
                )?;
                if let Some(t) = image
                    .tags
                    .iter()
                    .find(|t| images.iter().any(|o| o.tags.contains(t)))
                {
                    return Err(format!(
                        "{at}.imageTags: tag {t} already names another image of this repository"
                    ));
                }
                images.push(image);
            }
            let lifecycle = match v.get("lifecyclePolicyText") {
                None => Vec::new(),
                Some(_) if !matches!(parsed.kind, RegistryKind::EcrPrivate { .. }) => {
                    return Err(format!(
                        "{path}.lifecyclePolicyText: lifecycle policies are for private ECR repositories"
                    ))
                }
                Some(p) => parse_lifecycle_policy(p, &format!("{path}.lifecyclePolicyText"))?,
            };
            repositories.push(Repository {
                uri: parsed.repository,
                kind: parsed.kind,
                images,
                lifecycle,
            });
        }
        Ok(Registries { repositories })
    }

    /// What a pull of `image` at `now_epoch_ms` finds.
    pub fn lookup(&self, image: &str, now_epoch_ms: i64) -> Lookup<'_> {
        let r = parse_image(image);
        let Some(repo) = self.repositories.iter().find(|x| x.uri == r.repository) else {
            return Lookup::Undeclared;
        };
        let found = repo.images.iter().find(|i| {
            i.pushed_at_epoch_ms <= now_epoch_ms
                && match (&r.digest, &r.tag) {
                    (Some(d), _) => &i.digest == d,
                    (None, Some(t)) => i.tags.contains(t),
                    (None, None) => false,
                }
        });
        match found {
            Some(i) if i.expired.is_some() => Lookup::Expired,
            Some(i) => Lookup::Found(i),
            None => Lookup::NotFound,
        }
    }
}

impl Repository {
    /// Applies the lifecycle policy at `now_epoch_ms`; returns the newly expired images'
    /// indexes with the rule that expired each.
    pub fn apply_lifecycle(&mut self, now_epoch_ms: i64, now_ms: u64) -> Vec<(usize, u32)> {
        let mut claimed = vec![false; self.images.len()];
        let mut expired = Vec::new();
        for rule in &self.lifecycle {
            let mut selected: Vec<usize> = (0..self.images.len())
                .filter(|&i| {
                    let img = &self.images[i];
                    !claimed[i]
                        && img.expired.is_none()
                        && img.pushed_at_epoch_ms <= now_epoch_ms
                        && rule.selects(img)
                })
                .collect();
            for &i in &selected {
                claimed[i] = true;
            }
            // Newest first; equal push times keep scenario order (later = newer).
            selected.sort_by_key(|&i| {
                (
                    std::cmp::Reverse(self.images[i].pushed_at_epoch_ms),
                    std::cmp::Reverse(i),
                )
            });
            for (rank, &i) in selected.iter().enumerate() {
                let expire = match rule.count {
                    CountType::ImageCountMoreThan(n) => rank >= n as usize,
                    CountType::SinceImagePushedDays(d) => {
                        now_epoch_ms - self.images[i].pushed_at_epoch_ms > i64::from(d) * 86_400_000
                    }
                };
                if expire {
                    self.images[i].expired = Some((now_ms, rule.priority));
                    expired.push((i, rule.priority));
                }
            }
        }
        expired
    }
}

impl Simulation {
    /// Runs every repository's lifecycle policy now (at time zero and once a simulated day).
    pub(crate) fn evaluate_lifecycle_policies(&mut self) {
        let now_epoch = self.now_epoch_ms();
        let now = self.now();
        for r in 0..self.registries.repositories.len() {
            let expired = self.registries.repositories[r].apply_lifecycle(now_epoch, now.as_ms());
            let repo = &self.registries.repositories[r];
            let lines: Vec<String> = expired
                .iter()
                .map(|&(i, rule)| {
                    let img = &repo.images[i];
                    let name = match img.tags.as_slice() {
                        [] => format!("{}@{}", repo.uri, img.digest),
                        tags => format!("{}:{}", repo.uri, tags.join(",")),
                    };
                    format!(
                        "ECR lifecycle policy rule {rule} expired image {name} (pushed {})",
                        crate::calendar::format_utc_timestamp(img.pushed_at_epoch_ms)
                    )
                })
                .collect();
            for line in lines {
                self.log.push(now, EventKind::Resource, line);
            }
        }
    }

    /// Simulated now as epoch milliseconds.
    pub(crate) fn now_epoch_ms(&self) -> i64 {
        self.scenario.start_epoch_ms + self.now().as_ms() as i64
    }

    /// The size of `image` in MiB: the repository's when declared, else the default.
    pub(crate) fn image_size_mib(&self, image: &str) -> f64 {
        match self.registries.lookup(image, self.now_epoch_ms()) {
            Lookup::Found(i) => i.size_mib,
            _ => self.scenario.options.lifecycle.default_image_size_mi_b,
        }
    }

    /// Why task `t`'s images cannot be pulled from their registries, if they cannot: ECR
    /// authorization (10.4), then a missing or expired image (G37). On EC2 an image the
    /// instance already has is used instead (logged).
    pub(crate) fn registry_failure(&mut self, t: usize) -> Option<String> {
        let fargate = self.on_fargate(t);
        let slot = self.tasks[t].reservation.slot;
        let images: Vec<String> = self.tasks[t]
            .td
            .containers
            .iter()
            .map(|c| c.image.clone())
            .collect();
        for image in images {
            let cached = !fargate && self.cluster.instances[slot].pulled_images.contains(&image);
            let failure = self
                .ecr_auth_failure(t, &image, fargate)
                .or_else(|| self.image_missing(&image, fargate));
            match failure {
                Some(reason) if cached => {
                    let id = self.tasks[t].id.clone();
                    let msg = format!("task {id}: the pull of {image} failed ({reason}); the agent uses the image the instance already has (ECS_IMAGE_PULL_BEHAVIOR=default)");
                    self.log
                        .push(self.now(), EventKind::TaskStateChange, msg)
                        .task(&id);
                }
                Some(reason) => return Some(reason),
                None => {}
            }
        }
        None
    }

    fn ecr_auth_failure(&self, t: usize, image: &str, fargate: bool) -> Option<String> {
        let arn = parse_image(image).repository_arn()?;
        let role = self.agent_role(t);
        let why = [
            ("ecr:GetAuthorizationToken", "*"),
            ("ecr:BatchGetImage", arn.as_str()),
            ("ecr:GetDownloadUrlForLayer", arn.as_str()),
        ]
        .iter()
        .find_map(|(action, resource)| self.scenario.iam.check(role, action, resource).denial())?;
        Some(if fargate {
            format!("ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: unable to retrieve ecr registry auth: service call has been retried 3 time(s): AccessDeniedException: {why}")
        } else {
            // [unconfirmed] wording (10.4): an authorization failure from ECR.
            format!("CannotPullContainerError: pull access denied for {image}: unable to retrieve ECR registry auth: AccessDeniedException: {why}")
        })
    }

    fn image_missing(&self, image: &str, fargate: bool) -> Option<String> {
        match self.registries.lookup(image, self.now_epoch_ms()) {
            Lookup::NotFound | Lookup::Expired if fargate => Some(format!("CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref {image}: {image}: not found")),
            Lookup::NotFound | Lookup::Expired => Some(format!("CannotPullContainerError: Error response from daemon: manifest for {image} not found: manifest unknown: Requested image not found")),
            Lookup::Found(_) | Lookup::Undeclared => None,
        }
    }

    /// The repositories and their images now (expired ones marked).
    pub fn registries(&self) -> &Registries {
        &self.registries
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn image_references_normalise_as_docker_does() {
        let r = parse_image("nginx:1.27");
        assert_eq!(r.kind, RegistryKind::DockerHub);
        assert_eq!(r.repository, "docker.io/library/nginx");
        assert_eq!(r.tag.as_deref(), Some("1.27"));
        assert_eq!(
            parse_image("docker.io/library/nginx").repository,
            r.repository
        );
        assert_eq!(parse_image("nginx").tag.as_deref(), Some("latest"));
        let r = parse_image("123456789012.dkr.ecr.us-east-1.amazonaws.com/team/web@sha256:ab");
        assert_eq!(r.digest.as_deref(), Some("sha256:ab"));
        assert_eq!(r.tag, None);
        assert_eq!(
            r.repository_arn().as_deref(),
            Some("arn:aws:ecr:us-east-1:123456789012:repository/team/web")
        );
        assert_eq!(
            parse_image("public.ecr.aws/nginx/nginx:latest").kind,
            RegistryKind::EcrPublic
        );
        assert_eq!(
            parse_image("localhost:5000/app:v1").kind,
            RegistryKind::Other
        );
        assert_eq!(
            parse_image("localhost:5000/app:v1").tag.as_deref(),
            Some("v1")
        );
    }

    fn repo(images: Value, policy: Value) -> Registries {
        Registries::parse(
            &[json!({"repositoryName": "web", "images": images, "lifecyclePolicyText": policy})],
            200.0,
            0,
        )
        .unwrap()
    }

    #[test]
    fn lifecycle_rules_expire_by_count_and_age_in_priority_order() {
        let day = |d: i64| crate::calendar::format_utc_timestamp(d * 86_400_000);
        let mut r = repo(
            json!([
                {"imageTag": "v1", "pushedAt": day(1)},
                {"imageTag": "v2", "pushedAt": day(2)},
                {"imageTag": "v3", "pushedAt": day(3)},
                {"imageDigest": "sha256:aa", "pushedAt": day(1)},
                {"imageTag": "dev-1", "pushedAt": day(1)}
            ]),
            json!({"rules": [
                {"rulePriority": 1, "selection": {"tagStatus": "tagged", "tagPrefixList": ["v"], "countType": "imageCountMoreThan", "countNumber": 2}, "action": {"type": "expire"}},
                {"rulePriority": 2, "selection": {"tagStatus": "untagged", "countType": "sinceImagePushed", "countUnit": "days", "countNumber": 1}, "action": {"type": "expire"}},
                {"rulePriority": 3, "selection": {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 100}, "action": {"type": "expire"}}
            ]}),
        );
        let expired = r.repositories[0].apply_lifecycle(4 * 86_400_000, 0);
        assert_eq!(
            expired,
            vec![(0, 1), (3, 2)],
            "v1 (beyond 2 newest v*), the old untagged one"
        );
        let uri = "123456789012.dkr.ecr.us-east-1.amazonaws.com/web";
        assert_eq!(
            r.lookup(&format!("{uri}:v1"), 5 * 86_400_000),
            Lookup::Expired
        );
        assert!(matches!(
            r.lookup(&format!("{uri}:v3"), 5 * 86_400_000),
            Lookup::Found(_)
        ));
        assert_eq!(
            r.lookup(&format!("{uri}:v9"), 5 * 86_400_000),
            Lookup::NotFound
        );
        assert_eq!(
            r.lookup(&format!("{uri}:v3"), 0),
            Lookup::NotFound,
            "not pushed yet"
        );
        assert_eq!(r.lookup("nginx:1.27", 0), Lookup::Undeclared);
    }

    #[test]
    fn bad_repositories_and_policies_name_the_field() {
        let cases = [
            (
                json!({"repositoryName": "Web"}),
                "repositories[0].repositoryName",
            ),
            (
                json!({"repositoryUri": "nginx:1.27"}),
                "repositories[0].repositoryUri",
            ),
            (
                json!({"repositoryName": "web", "images": [{"sizeMiB": 3}]}),
                "repositories[0].images[0]",
            ),
            (
                json!({"repositoryName": "web", "images": [{"imageTag": "a", "pushedAt": "yesterday"}]}),
                "repositories[0].images[0].pushedAt",
            ),
            (
                json!({"repositoryName": "web", "images": [{"imageTag": "a"}, {"imageTags": ["a"]}]}),
                "repositories[0].images[1].imageTags",
            ),
            (
                json!({"repositoryUri": "nginx", "lifecyclePolicyText": "{}"}),
                "repositories[0].lifecyclePolicyText",
            ),
            (
                json!({"repositoryName": "web", "lifecyclePolicyText": "{"}),
                "repositories[0].lifecyclePolicyText",
            ),
            (
                json!({"repositoryName": "web", "lifecyclePolicyText": {"rules": [{"rulePriority": 1, "selection": {"tagStatus": "tagged", "countType": "imageCountMoreThan", "countNumber": 1}, "action": {"type": "expire"}}]}}),
                "repositories[0].lifecyclePolicyText.rules[0].selection.tagPrefixList",
            ),
            (
                json!({"repositoryName": "web", "lifecyclePolicyText": {"rules": [
                {"rulePriority": 2, "selection": {"tagStatus": "untagged", "countType": "imageCountMoreThan", "countNumber": 1}, "action": {"type": "expire"}},
                {"rulePriority": 1, "selection": {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 1}, "action": {"type": "expire"}}]}}),
                "repositories[0].lifecyclePolicyText.rules",
            ),
            (
                json!({"repositoryName": "web", "lifecyclePolicyText": {"rules": [{"rulePriority": 1, "selection": {"tagStatus": "untagged", "countType": "sinceImagePushed", "countNumber": 1}, "action": {"type": "expire"}}]}}),
                "repositories[0].lifecyclePolicyText.rules[0].selection.countUnit",
            ),
        ];
        for (v, want) in cases {
            let e = Registries::parse(&[v], 200.0, 0).unwrap_err();
            assert!(e.starts_with(&format!("{want}: ")), "{want}: {e}");
        }
    }
}
