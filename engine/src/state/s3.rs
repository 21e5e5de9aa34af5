//! The state in S3. Writes carry `If-Match` with the ETag last read (or `If-None-Match: *`
//! for the first write) so an update can never overwrite someone else's; the lock is a
//! second object created with `If-None-Match: *`, which S3 grants to exactly one writer.

use super::{Backend, LockInfo, State};
use crate::aws::sdk_error;
use crate::error::{codes, EngineError, Result};
use async_trait::async_trait;
use aws_sdk_s3::error::ProvideErrorMetadata;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{
    BucketVersioningStatus, PublicAccessBlockConfiguration, ServerSideEncryption, ServerSideEncryptionByDefault,
    ServerSideEncryptionConfiguration, ServerSideEncryptionRule, VersioningConfiguration,
};
use aws_sdk_s3::Client;
use std::sync::Mutex;

pub struct S3Backend {
    client: Client,
    bucket: String,
    key: String,
    stack: String,
    /// The ETag of the object we last read or wrote; `None` before the first read.
    etag: Mutex<Option<Option<String>>>,
}

fn status<E>(e: &aws_sdk_s3::error::SdkError<E>) -> Option<u16> {
    e.raw_response().map(|r| r.status().as_u16())
}

impl S3Backend {
    pub fn new(client: Client, bucket: &str, key: &str, stack: &str) -> S3Backend {
        S3Backend { client, bucket: bucket.into(), key: key.into(), stack: stack.into(), etag: Mutex::new(None) }
    }

    fn lock_key(&self) -> String {
        format!("{}.lock", self.key)
    }

    fn no_bucket(&self) -> EngineError {
        EngineError::new(codes::NO_BUCKET, format!("the state bucket `{}` does not exist", self.bucket))
            .with_help("run `drove init` to create it")
    }

    fn set_etag(&self, etag: Option<String>) {
        if let Ok(mut g) = self.etag.lock() {
            *g = Some(etag);
        }
    }

    /// Creates the bucket when missing, then makes sure it keeps versions, blocks public
    /// access and encrypts at rest. Safe to run again.
    pub async fn init(&self, region: &str) -> Result<Vec<String>> {
        let mut done = Vec::new();
        let exists = match self.client.head_bucket().bucket(&self.bucket).send().await {
            Ok(_) => true,
            Err(e) if status(&e) == Some(404) => false,
            Err(e) => return Err(sdk_error("s3 HeadBucket", e)),
        };
        if !exists {
            let mut req = self.client.create_bucket().bucket(&self.bucket);
            if region != "us-east-1" {
                req = req.create_bucket_configuration(
                    aws_sdk_s3::types::CreateBucketConfiguration::builder()
                        .location_constraint(aws_sdk_s3::types::BucketLocationConstraint::from(region))
                        .build(),
                );
            }
            req.send().await.map_err(|e| sdk_error("s3 CreateBucket", e))?;
            done.push(format!("created bucket {}", self.bucket));
        }
        self.client
            .put_bucket_versioning()
            .bucket(&self.bucket)
            .versioning_configuration(
                VersioningConfiguration::builder().status(BucketVersioningStatus::Enabled).build(),
            )
            .send()
            .await
            .map_err(|e| sdk_error("s3 PutBucketVersioning", e))?;
        self.client
            .put_public_access_block()
            .bucket(&self.bucket)
            .public_access_block_configuration(
                PublicAccessBlockConfiguration::builder()
                    .block_public_acls(true)
                    .ignore_public_acls(true)
                    .block_public_policy(true)
                    .restrict_public_buckets(true)
                    .build(),
            )
            .send()
            .await
            .map_err(|e| sdk_error("s3 PutPublicAccessBlock", e))?;
        let sse = ServerSideEncryptionByDefault::builder()
            .sse_algorithm(ServerSideEncryption::Aes256)
            .build()
            .map_err(|e| EngineError::new(codes::AWS_CALL, e.to_string()))?;
        let conf = ServerSideEncryptionConfiguration::builder()
            .rules(ServerSideEncryptionRule::builder().apply_server_side_encryption_by_default(sse).build())
            .build()
            .map_err(|e| EngineError::new(codes::AWS_CALL, e.to_string()))?;
        self.client
            .put_bucket_encryption()
            .bucket(&self.bucket)
            .server_side_encryption_configuration(conf)
            .send()
            .await
            .map_err(|e| sdk_error("s3 PutBucketEncryption", e))?;
        done.push(format!("bucket {}: versioning on, public access blocked, encrypted (AES256)", self.bucket));
        Ok(done)
    }

    async fn get(&self, key: &str) -> Result<Option<(String, Option<String>)>> {
        match self.client.get_object().bucket(&self.bucket).key(key).send().await {
            Ok(out) => {
                let etag = out.e_tag().map(str::to_string);
                let bytes = out
                    .body
                    .collect()
                    .await
                    .map_err(|e| {
                        EngineError::new(codes::BAD_STATE, format!("cannot read s3://{}/{key}: {e}", self.bucket))
                    })?
                    .into_bytes();
                let text = String::from_utf8(bytes.to_vec()).map_err(|_| {
                    EngineError::new(codes::BAD_STATE, format!("s3://{}/{key} is not UTF-8 text", self.bucket))
                })?;
                Ok(Some((text, etag)))
            }
            Err(e) => {
                if e.as_service_error().is_some_and(|s| s.is_no_such_key()) {
                    return Ok(None);
                }
                if e.code() == Some("NoSuchBucket") {
                    return Err(self.no_bucket());
                }
                Err(sdk_error("s3 GetObject", e))
            }
        }
    }
}

#[async_trait]
impl Backend for S3Backend {
    fn describe(&self) -> String {
        format!("s3://{}/{}", self.bucket, self.key)
    }

    async fn read(&self) -> Result<Option<State>> {
        match self.get(&self.key).await? {
            Some((text, etag)) => {
                let st = State::parse(&text, &self.describe(), &self.stack)?;
                self.set_etag(etag);
                Ok(Some(st))
            }
            None => {
                self.set_etag(None);
                Ok(None)
            }
        }
    }

    async fn write(&self, state: &State) -> Result<()> {
        let seen = self.etag.lock().map(|g| g.clone()).unwrap_or(None);
        let mut req = self
            .client
            .put_object()
            .bucket(&self.bucket)
            .key(&self.key)
            .content_type("application/json")
            .body(ByteStream::from(state.to_json().into_bytes()));
        req = match seen {
            Some(Some(etag)) => req.if_match(etag),
            // Never read, or read as absent: the object must still be absent.
            _ => req.if_none_match("*"),
        };
        match req.send().await {
            Ok(out) => {
                self.set_etag(out.e_tag().map(str::to_string));
                Ok(())
            }
            Err(e) if status(&e) == Some(412) => Err(EngineError::new(
                codes::STATE_WRITE,
                format!(
                    "the state {} was changed by someone else while drove ran; it was not overwritten",
                    self.describe()
                ),
            )
            .with_help("run the command again: it reads the new state")),
            Err(e) if e.code() == Some("NoSuchBucket") => Err(self.no_bucket()),
            Err(e) => Err(sdk_error("s3 PutObject", e)),
        }
    }

    async fn lock(&self, operation: &str) -> Result<LockInfo> {
        let info = LockInfo::new(operation);
        let body = serde_json::to_string_pretty(&info).unwrap_or_default();
        let res = self
            .client
            .put_object()
            .bucket(&self.bucket)
            .key(self.lock_key())
            .if_none_match("*")
            .content_type("application/json")
            .body(ByteStream::from(body.into_bytes()))
            .send()
            .await;
        match res {
            Ok(_) => Ok(info),
            Err(e) if status(&e) == Some(412) => match self.current_lock().await? {
                Some(holder) => Err(holder.held_error(&self.describe())),
                None => Err(EngineError::new(
                    codes::LOCKED,
                    format!("the state {} was locked a moment ago", self.describe()),
                )
                .with_help("run the command again")),
            },
            Err(e) if e.code() == Some("NoSuchBucket") => Err(self.no_bucket()),
            Err(e) => Err(sdk_error("s3 PutObject (lock)", e)),
        }
    }

    async fn unlock(&self, _lock: &LockInfo) -> Result<()> {
        self.client
            .delete_object()
            .bucket(&self.bucket)
            .key(self.lock_key())
            .send()
            .await
            .map_err(|e| sdk_error("s3 DeleteObject (lock)", e))?;
        Ok(())
    }

    async fn current_lock(&self) -> Result<Option<LockInfo>> {
        Ok(self.get(&self.lock_key()).await?.map(|(text, _)| {
            serde_json::from_str(&text).unwrap_or(LockInfo {
                id: "unreadable".into(),
                who: "an unknown process (the lock object is unreadable)".into(),
                operation: "unknown".into(),
                created: "unknown".into(),
            })
        }))
    }
}
