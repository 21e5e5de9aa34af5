//! Hosted zones of AWS services that alias records may point at without a `zone_id`.
//! These ids are fixed by AWS and published in its endpoint tables.

/// Every CloudFront distribution (`*.cloudfront.net.`).
pub const CLOUDFRONT_ZONE: &str = "Z2FDTNDATAQYW2";

/// S3 website endpoints by region.
const S3_WEBSITE: &[(&str, &str)] = &[
    ("us-east-1", "Z3AQBSTGFYJSTF"),
    ("us-east-2", "Z2O1EMRO9K5GLX"),
    ("us-west-1", "Z2F56UZL2M1ACD"),
    ("us-west-2", "Z3BJ6K6RIION7M"),
    ("ca-central-1", "Z1QDHH18159H29"),
    ("ap-south-1", "Z11RGJOFQNVJUP"),
    ("ap-northeast-1", "Z2M4EHUR26P7ZW"),
    ("ap-northeast-2", "Z3W03O7B5YMIYP"),
    ("ap-northeast-3", "Z2YQB5RD63NC85"),
    ("ap-southeast-1", "Z3O0J2DXBE1FTB"),
    ("ap-southeast-2", "Z1WCIGYICN2BYD"),
    ("ap-east-1", "ZNB98KWMFR0R6"),
    ("eu-central-1", "Z21DNDUVLTQW6Q"),
    ("eu-west-1", "Z1BKCTXD74EZPE"),
    ("eu-west-2", "Z3GKZC51ZF0DB4"),
    ("eu-west-3", "Z3R1K369G5AVDG"),
    ("eu-north-1", "Z3BAZG2TWCNX0D"),
    ("eu-south-1", "Z30OZKI7KPW7MI"),
    ("sa-east-1", "Z7KQH4QJS55SO"),
    ("me-south-1", "Z1MPMWCPA7YB62"),
    ("af-south-1", "Z83WF9RJE8B12"),
];

/// `BUCKET.s3-website-REGION.amazonaws.com.` or `BUCKET.s3-website.REGION.amazonaws.com.`
/// (absolute, lower case) → the endpoint's hosted zone.
pub fn s3_website_zone(name: &str) -> Option<&'static str> {
    let rest = name.strip_suffix(".amazonaws.com.")?;
    let region = match rest.rsplit_once(".s3-website-") {
        Some((_, region)) => region,
        None => rest.rsplit_once(".s3-website.").map(|(_, r)| r)?,
    };
    S3_WEBSITE.iter().find(|(r, _)| *r == region).map(|(_, z)| *z)
}

/// The hosted zone of an AWS alias target drove knows, if any.
pub fn known_zone(name: &str) -> Option<&'static str> {
    if name.ends_with(".cloudfront.net.") {
        return Some(CLOUDFRONT_ZONE);
    }
    s3_website_zone(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_known_targets() {
        assert_eq!(known_zone("d111111abcdef8.cloudfront.net."), Some(CLOUDFRONT_ZONE));
        assert_eq!(known_zone("www.acme.example.s3-website-ap-northeast-1.amazonaws.com."), Some("Z2M4EHUR26P7ZW"));
        assert_eq!(known_zone("b.s3-website.eu-west-3.amazonaws.com."), Some("Z3R1K369G5AVDG"));
        assert_eq!(known_zone("web-1.ap-northeast-1.elb.amazonaws.com."), None);
    }
}
