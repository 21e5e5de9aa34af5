//! The attributes each block takes, with one line on what each means: what completion
//! offers and hover explains. `docs/language.md` holds the full tables.

/// `(attribute, what it means)` for a block named by its keyword (`record`: a record's
/// routing block).
pub fn of(block: &str) -> &'static [(&'static str, &'static str)] {
    match block {
        "stack" | "environment" => &[
            ("region", "the AWS region, from the embedded catalog (required)"),
            ("state", "where the state lives: `local(\"path\")` or `s3(\"bucket\", \"key\")`"),
            ("tags", "tags put on every resource that takes tags"),
            ("max_delete", "refuse a plan deleting more than this share of the stack's resources (default 25%)"),
            ("max_zone_delete", "refuse a plan deleting more than this share of one zone's records (default 50%)"),
            ("recipients", "the age X25519 recipients who can decrypt the stack's secrets"),
            ("ignore_tags", "tag keys other tools own: drove neither writes nor removes them"),
        ],
        "network" => &[("cidr", "the VPC's address block (required)"), ("subnet", "a subnet of the network")],
        "subnet" => &[
            ("cidr", "the subnet's block, inside the network's (required)"),
            ("zone", "the availability zone: a letter of the region (`a`) or its full name"),
            ("public", "`true`: a route to the internet gateway (default `false`)"),
            ("nat", "`true` on a public subnet: a NAT gateway for the private subnets"),
        ],
        "firewall" => &[
            ("description", "the security group's description"),
            ("group_name", "the security group's name in AWS (default `STACK-FIREWALL`)"),
            ("allow", "a rule: `allow PROTOCOL [PORTS] from|to SOURCE, …`"),
        ],
        "role" => &[
            ("image", "`image(\"NAME-PATTERN\")` or an AMI id (required)"),
            ("type", "the instance type, from the catalog (required)"),
            ("firewall", "the firewalls (security groups) of the hosts"),
            ("disk", "the root volume's size (default 8GiB)"),
            ("public_ip", "`true`: the hosts get a public address (default `false`)"),
            ("imdsv2", "`false` relaxes the IMDSv2 requirement (default `true`)"),
            ("encrypted", "root volume encryption (default `true`)"),
            ("provision", "the provisioning steps run at first boot"),
            ("access", "what the hosts may touch in AWS (an instance role)"),
            ("drain", "a command that succeeds when an instance may be terminated"),
            ("drain_timeout", "how long the drain command may take (default 5m)"),
            ("batch", "instances replaced at a time (default 1)"),
            ("secrets", "how the hosts get their secrets: `parameter_store` (default) or `user_data`"),
        ],
        "provision" => &[
            ("package", "packages to install"),
            ("user", "a user to create"),
            ("file", "a file to write: `file \"PATH\" = file(\"LOCAL\")`, a string or a secret"),
            ("run", "a command to run"),
            ("service", "a service to enable and start"),
        ],
        "access" => &[
            ("s3", "`s3 \"BUCKET/PATTERN\" read, write`: objects of a bucket"),
            ("parameter", "`parameter \"PATH\" read`: Parameter Store parameters"),
            ("logs", "`logs \"GROUP\" write`: a CloudWatch Logs group"),
        ],
        "balancer" => &[
            ("name", "the load balancer's name in AWS (default `STACK-NAME`)"),
            ("type", "`application` (default) or `network`"),
            ("internal", "`true`: only reachable inside the network (default `false`)"),
            ("subnets", "subnets of the balancer's network (required)"),
            ("firewall", "the balancer's firewalls (security groups)"),
            ("certificate", "for `https` and `tls` listeners: `certificate.NAME`, or an issued one's domain or ARN"),
            ("listen", "`listen PORT PROTOCOL forward TARGET` or `… redirect PORT`"),
            ("target", "a target group: the hosts and the port they serve on"),
        ],
        "moved" => &[
            ("from", "the address the state holds, of a declaration renamed since (`firewall.web`)"),
            ("to", "the address the stack declares it at now (`firewall.office`)"),
        ],
        "certificate" => &[
            ("domain", "the name the certificate is for (required): `\"example.com\"`, `\"*.example.com\"`"),
            ("names", "its other names, each in a public zone of the stack"),
        ],
        "target" => &[
            ("name", "the target group's name in AWS (default `STACK-BALANCER-TARGET`)"),
            ("hosts", "the `hosts` groups and `host` pets behind the target (required)"),
            ("port", "the port the hosts serve on (required)"),
            ("protocol", "`http`, `https`, `tcp`, `tls` or `udp`"),
            ("health_path", "the path of the HTTP(S) health check (default \"/\")"),
            ("health_codes", "the codes a healthy answer has (default \"200-399\")"),
            ("health_interval", "time between health checks (default 15s)"),
            ("deregistration_delay", "how long a deregistered host keeps its connections (default 300s)"),
        ],
        "hosts" => &[
            ("role", "the role of the hosts (required)"),
            ("count", "how many instances (required)"),
            ("subnets", "the subnets the instances are spread over, round robin"),
            ("protect", "`true`: refuse any plan that would delete an instance"),
        ],
        "host" => &[
            ("role", "the role of the host (required)"),
            ("subnet", "the host's subnet (required)"),
            ("ip", "a fixed private address in the subnet"),
            ("protect", "`true`: refuse any plan that would delete the instance"),
        ],
        "zone" => &[
            ("ttl", "the default TTL of the zone's records"),
            ("private", "the networks of a private zone"),
            ("comment", "the hosted zone's comment"),
            ("unmanaged", "records the zone does not declare: `keep` (default) or `delete`"),
            ("ignore", "`ignore \"PATTERN\" TYPE, …`: records another system owns"),
        ],
        "healthcheck" => &[
            ("type", "`http`, `https` or `tcp` (required)"),
            ("host", "the DNS name checked"),
            ("ip", "the address checked"),
            ("port", "the port checked"),
            ("path", "the HTTP(S) path requested"),
            ("interval", "seconds between checks"),
            ("threshold", "failures before the endpoint counts as unhealthy"),
        ],
        "record" => &[
            ("set", "the set identifier telling records of one name apart"),
            ("weight", "weighted routing: this record's share"),
            ("failover", "failover routing: `primary` or `secondary`"),
            ("region", "latency routing: the region of this record"),
            ("continent", "geolocation routing: a continent code"),
            ("country", "geolocation routing: a country code"),
            ("subdivision", "geolocation routing: a subdivision of the country"),
            ("multivalue", "`true`: multivalue answer routing"),
            ("health", "a health check deciding whether this record is answered"),
            ("evaluate_health", "for an alias: answer only while its target is healthy"),
            ("zone_id", "for an alias to a name outside the stack: the target's hosted zone id"),
        ],
        _ => &[],
    }
}

/// What an attribute of a block means.
pub fn doc(block: &str, name: &str) -> Option<&'static str> {
    of(block).iter().find(|(n, _)| *n == name).map(|(_, d)| *d)
}

/// Attributes whose value is `true` or `false`.
pub fn is_boolean(block: &str, name: &str) -> bool {
    matches!(
        (block, name),
        ("subnet", "public" | "nat")
            | ("role", "public_ip" | "imdsv2" | "encrypted")
            | ("hosts" | "host", "protect")
            | ("balancer", "internal")
            | ("record", "multivalue" | "evaluate_health")
    )
}

/// Statements a block may hold many of: never filtered out as already set.
pub fn repeats(name: &str) -> bool {
    matches!(
        name,
        "subnet"
            | "allow"
            | "listen"
            | "target"
            | "package"
            | "user"
            | "file"
            | "run"
            | "service"
            | "s3"
            | "parameter"
            | "logs"
            | "ignore"
    )
}
