//! Resource kinds that live in one place each: the struct, its Terraform mapping and its
//! ARM/Bicep mapping side by side, registered once in [`KINDS`]. Both mappers (and the plan
//! mapper, which reuses the Terraform one) dispatch through this table, so adding a kind is a
//! new file here plus one entry.

pub mod nat_gateway;
pub mod private_dns_zone;
pub mod public_ip;

use super::arm::ArmResource;
use super::terraform::{Block, Resource};
use super::Model;

/// One resource kind: the type names it answers to and how each dialect maps into the model.
/// The Terraform mapper is generic over the block (HCL or plan values), so it is reached through
/// [`Kind::terraform`] rather than stored as a function pointer.
pub struct Kind {
    /// azurerm/azapi resource types, exact.
    pub terraform: &'static [&'static str],
    /// ARM types, lower-cased, without API version.
    pub arm: &'static [&'static str],
    pub from_arm: fn(&ArmResource<'_>, &mut Model),
    id: KindId,
}

/// Which kind's Terraform mapper to call.
#[derive(Clone, Copy)]
enum KindId {
    NatGateway,
    NatGatewayLink,
    PrivateDnsZone,
    PublicIp,
    PublicIpPrefix,
}

pub const KINDS: &[Kind] = &[
    Kind {
        terraform: &["azurerm_nat_gateway"],
        arm: &["microsoft.network/natgateways"],
        from_arm: nat_gateway::from_arm,
        id: KindId::NatGateway,
    },
    Kind {
        terraform: &["azurerm_subnet_nat_gateway_association"],
        arm: &[],
        from_arm: |_, _| {},
        id: KindId::NatGatewayLink,
    },
    Kind {
        terraform: &["azurerm_private_dns_zone"],
        arm: &["microsoft.network/privatednszones"],
        from_arm: private_dns_zone::from_arm,
        id: KindId::PrivateDnsZone,
    },
    Kind {
        terraform: &["azurerm_public_ip"],
        arm: &["microsoft.network/publicipaddresses"],
        from_arm: public_ip::ip_from_arm,
        id: KindId::PublicIp,
    },
    Kind {
        terraform: &["azurerm_public_ip_prefix"],
        arm: &["microsoft.network/publicipprefixes"],
        from_arm: public_ip::prefix_from_arm,
        id: KindId::PublicIpPrefix,
    },
];

impl Kind {
    fn terraform<B: Block>(&self, r: &Resource<'_, B>, m: &mut Model) {
        match self.id {
            KindId::NatGateway => nat_gateway::from_terraform(r, m),
            KindId::NatGatewayLink => nat_gateway::link_from_terraform(r, m),
            KindId::PrivateDnsZone => private_dns_zone::from_terraform(r, m),
            KindId::PublicIp => public_ip::ip_from_terraform(r, m),
            KindId::PublicIpPrefix => public_ip::prefix_from_terraform(r, m),
        }
    }
}

/// Whether a Terraform resource type belongs to a kind of this table.
pub fn reads_terraform(ty: &str) -> bool {
    KINDS.iter().any(|k| k.terraform.contains(&ty))
}

/// Maps a Terraform resource of a table kind; false when no kind takes the type.
pub fn from_terraform<B: Block>(ty: &str, r: &Resource<'_, B>, m: &mut Model) -> bool {
    match KINDS.iter().find(|k| k.terraform.contains(&ty)) {
        Some(k) => {
            k.terraform(r, m);
            true
        }
        None => false,
    }
}

/// Maps an ARM resource of a table kind; false when no kind takes the type.
pub fn from_arm(r: &ArmResource<'_>, m: &mut Model) -> bool {
    match KINDS.iter().find(|k| k.arm.contains(&r.ty)) {
        Some(k) => {
            (k.from_arm)(r, m);
            true
        }
        None => false,
    }
}
