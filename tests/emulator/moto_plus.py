"""moto_server plus the calls moto 5.2 lacks, registered on moto's own backends.

Never bend the provider to the emulator: where moto is missing a call or answers unlike AWS,
it is fixed here. See ../../ARCHITECTURE.md (emulator) and shared/aws-reference.md section 0.
"""

import argparse
import os

# Real AWS has its managed policies (AmazonEKSClusterPolicy, ...) in every account; moto loads
# them only when asked. EKS configurations attach them, so the emulator must have them.
os.environ.setdefault("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
import socket
import sys
import threading
import time
import urllib.request


def patch_elasticache():
    from moto.elasticache import responses as r
    from moto.elasticache import models as m
    from moto.core.responses import ActionResult, EmptyResult

    resp = r.ElastiCacheResponse

    def delete_cache_subnet_group(self):
        name = self._get_param("CacheSubnetGroupName")
        groups = self.elasticache_backend.cache_subnet_groups
        if name not in groups:
            raise m.CacheSubnetGroupNotFound(name)
        del groups[name]
        return EmptyResult()

    def modify_cache_subnet_group(self):
        name = self._get_param("CacheSubnetGroupName")
        groups = self.elasticache_backend.cache_subnet_groups
        if name not in groups:
            raise m.CacheSubnetGroupNotFound(name)
        old = groups[name]
        desc = self._get_param("CacheSubnetGroupDescription")
        subnet_ids = self._get_param("SubnetIds") or old.subnet_ids
        new = m.CacheSubnetGroup(
            account_id=self.current_account,
            region_name=self.region,
            cache_subnet_group_name=name,
            cache_subnet_group_description=desc if desc is not None else old.cache_subnet_group_description,
            subnet_ids=subnet_ids,
            tags=old.tags,
        )
        groups[name] = new
        return ActionResult({"CacheSubnetGroup": new})

    def _group(self):
        gid = self._get_param("ReplicationGroupId")
        groups = self.elasticache_backend.replication_groups
        if gid not in groups:
            raise m.ReplicationGroupNotFound(gid)
        return groups[gid]

    def modify_replication_group(self):
        g = _group(self)
        simple = {
            "ReplicationGroupDescription": "description",
            "CacheNodeType": "cache_node_type",
            "EngineVersion": "engine_version",
            "PreferredMaintenanceWindow": "preferred_maintenance_window",
            "SnapshotWindow": "snapshot_window",
        }
        for param, attr in simple.items():
            v = self._get_param(param)
            if v is not None and hasattr(g, attr):
                setattr(g, attr, v)
        for param, attr in (("AutomaticFailoverEnabled", "automatic_failover"),
                            ("MultiAZEnabled", "multi_az")):
            v = self._get_bool_param(param)
            if v is not None and hasattr(g, attr):
                setattr(g, attr, "enabled" if v else "disabled")
        v = self._get_int_param("SnapshotRetentionLimit")
        if v is not None and hasattr(g, "snapshot_retention_limit"):
            g.snapshot_retention_limit = v
        return ActionResult({"ReplicationGroup": g})

    def _set_count(g, n):
        members = list(g.member_clusters)
        base = g.replication_group_id
        while len(members) < n:
            members.append(f"{base}-{len(members) + 1:03d}")
        del members[n:]
        g.member_clusters = members
        if hasattr(g, "num_cache_clusters"):
            g.num_cache_clusters = n

    def increase_replica_count(self):
        g = _group(self)
        n = self._get_int_param("NewReplicaCount")
        _set_count(g, n + 1)
        return ActionResult({"ReplicationGroup": g})

    def decrease_replica_count(self):
        g = _group(self)
        n = self._get_int_param("NewReplicaCount")
        _set_count(g, n + 1)
        return ActionResult({"ReplicationGroup": g})

    for f in (delete_cache_subnet_group, modify_cache_subnet_group, modify_replication_group,
              increase_replica_count, decrease_replica_count):
        setattr(resp, f.__name__, f)

    # moto ignores NumCacheClusters when ReplicasPerNodeGroup is absent (cluster mode
    # disabled) and creates a single node; AWS creates NumCacheClusters nodes.
    orig = m.ReplicationGroup._set_node_members_clusters_disabled

    def _set_node_members_clusters_disabled(self, member_clusters, replication_group_id,
                                            replication_group_domain, node_group,
                                            preferred_cache_cluster_azs, num_cache_clusters,
                                            replicas_per_node_group):
        if not replicas_per_node_group and num_cache_clusters and num_cache_clusters > 1:
            replicas_per_node_group = num_cache_clusters - 1
        return orig(self, member_clusters, replication_group_id, replication_group_domain,
                    node_group, preferred_cache_cluster_azs, num_cache_clusters,
                    replicas_per_node_group)

    m.ReplicationGroup._set_node_members_clusters_disabled = _set_node_members_clusters_disabled


def patch_rds():
    from moto.rds import models as m

    def modify_db_subnet_group(self, subnet_name, description, subnets):
        # moto pops the group and never puts it back; AWS modifies it in place.
        group = self.subnet_groups.get(subnet_name)
        if not group:
            raise m.DBSubnetGroupNotFoundError(subnet_name)
        if subnets:
            group.subnets = subnets
        if description is not None:
            group.description = description
        return group

    m.RDSBackend.modify_db_subnet_group = modify_db_subnet_group

    # moto counts windows that merely touch (backup 03:00-04:00, maintenance
    # Mon:04:00-Mon:05:00) as overlapping; AWS accepts adjacent windows.
    from moto.rds import utils as u

    orig_overlap = u.get_overlap_between_two_date_ranges

    def get_overlap_between_two_date_ranges(s1, e1, s2, e2):
        overlap = orig_overlap(s1, e1, s2, e2)
        return overlap if overlap > 0 else -1

    u.get_overlap_between_two_date_ranges = get_overlap_between_two_date_ranges


def patch_s3():
    from moto.s3 import responses as r

    def get_bucket_versioning(self):
        # moto 5.2's serializer answers <GetBucketVersioningResponse/>; S3 answers
        # <VersioningConfiguration> with Status (and MfaDelete) when versioning was ever set.
        self.data["Action"] = "GetBucketVersioning"
        status = self.backend.get_bucket_versioning(self.bucket_name)
        inner = f"<Status>{status}</Status>" if status else ""
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<VersioningConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
            f"{inner}</VersioningConfiguration>"
        )
        return 200, {"Content-Type": "application/xml"}, body

    r.S3Response.get_bucket_versioning = get_bucket_versioning


def patch_eks():
    """EKS: UpdateClusterVersion, UpdateNodegroupVersion, DescribeUpdate and
    AssociateEncryptionConfig are missing; UpdateClusterConfig replaces the whole VPC
    configuration (AWS merges) and answers {"cluster": ...} where AWS answers {"update": ...}.
    Updates complete at once (status Successful), as everything in moto is ACTIVE at once."""
    import uuid

    from moto.core.responses import ActionResult
    from moto.core.utils import utcnow
    from moto.eks import responses as r
    from moto.eks import urls as eks_urls

    updates = {}

    def _update(name, kind, params, nodegroup=None):
        u = {
            "id": str(uuid.uuid4()),
            "status": "Successful",
            "type": kind,
            "params": [{"type": k, "value": v} for k, v in params],
            "createdAt": utcnow(),
            "errors": [],
        }
        updates[(name, nodegroup, u["id"])] = u
        return u

    def _cluster(self, name):
        return self.eks_backend.describe_cluster(name=name)

    def update_cluster_config(self):
        name = self._get_param("name")
        cluster = _cluster(self, name)
        vpc = self._get_param("resourcesVpcConfig")
        logging = self._get_param("logging")
        params = []
        if vpc:
            merged = dict(cluster.resources_vpc_config or {})
            merged.update(vpc)
            cluster.resources_vpc_config = merged
            params = [(k[0].upper() + k[1:], str(v)) for k, v in vpc.items()]
            kind = "EndpointAccessUpdate"
        if logging:
            cluster.logging = logging
            params.append(("ClusterLogging", str(logging)))
            kind = "LoggingUpdate"
        if not vpc and not logging:
            kind = "ConfigUpdate"
        return ActionResult({"update": _update(name, kind, params)})

    def update_cluster_version(self):
        name = self._get_param("name")
        cluster = _cluster(self, name)
        version = self._get_param("version")
        cluster.version = version
        return ActionResult({"update": _update(name, "VersionUpdate", [("Version", version)])})

    def associate_encryption_config(self):
        name = self._get_param("name")
        cluster = _cluster(self, name)
        cluster.encryption_config = self._get_param("encryptionConfig")
        return ActionResult(
            {"update": _update(name, "AssociateEncryptionConfig", [("EncryptionConfig", "set")])}
        )

    def update_nodegroup_version(self):
        name = self._get_param("name")
        ng_name = self._get_param("nodegroupName")
        ng = self.eks_backend.describe_nodegroup(cluster_name=name, nodegroup_name=ng_name)
        version = self._get_param("version")
        release = self._get_param("releaseVersion")
        if version:
            ng.version = version
        if release:
            ng.release_version = release
        return ActionResult(
            {"update": _update(name, "VersionUpdate", [("Version", version or "")], ng_name)}
        )

    def describe_update(self):
        name = self._get_param("name")
        update_id = self._get_param("updateId")
        ng = self._get_param("nodegroupName")
        u = updates.get((name, ng, update_id))
        if u is None:
            from moto.eks.exceptions import ResourceNotFoundException

            raise ResourceNotFoundException(
                clusterName=name,
                nodegroupName=ng,
                fargateProfileName=None,
                addonName=None,
                message=f"No update found for ID: {update_id}",
            )
        return ActionResult({"update": u})

    orig_ng_config = r.EKSResponse.update_nodegroup_config

    def update_nodegroup_config(self):
        # moto's own update is not kept for DescribeUpdate: remember it
        res = orig_ng_config(self)
        u = res.result["update"]
        u = dict(u) if isinstance(u, dict) else dict(vars(u))
        u["status"] = "Successful"
        updates[(self._get_param("name"), self._get_param("nodegroupName"), u["id"])] = u
        return ActionResult({"update": u})

    for f in (update_cluster_config, update_cluster_version, associate_encryption_config,
              update_nodegroup_version, describe_update, update_nodegroup_config):
        setattr(r.EKSResponse, f.__name__, f)
    d = eks_urls.response.dispatch
    eks_urls.url_paths.update({
        "{0}/clusters/(?P<name>[^/]+)/updates$": d,
        "{0}/clusters/(?P<name>[^/]+)/updates/(?P<updateId>[^/]+)$": d,
        "{0}/clusters/(?P<name>[^/]+)/node-groups/(?P<nodegroupName>[^/]+)/update-version$": d,
        "{0}/clusters/(?P<name>[^/]+)/encryption-config/associate$": d,
    })


def patch_eks_tags():
    """EKS: TagResource, UntagResource and ListTagsForResource work on clusters only in
    moto; AWS tags managed node groups by their ARN too."""
    from moto.eks.exceptions import ResourceNotFoundException
    from moto.eks.models import EKSBackend

    def _tagged(self, arn, op):
        for c in self.clusters.values():
            if c.arn == arn:
                return c
            for ng in c.nodegroups.values():
                if ng.arn == arn:
                    return ng
        raise ResourceNotFoundException(
            clusterName=None, nodegroupName=None, fargateProfileName=None, addonName=None,
            message=f"An error occurred (NotFoundException) when calling the {op} operation: "
            "Resource was not found")

    def tag_resource(self, resource_arn, tags):
        _tagged(self, resource_arn, "TagResource").tags.update(tags)

    def untag_resource(self, resource_arn, tag_keys):
        o = _tagged(self, resource_arn, "UntagResource")
        for k in tag_keys if isinstance(tag_keys, list) else [tag_keys]:
            o.tags.pop(k, None)

    def list_tags_for_resource(self, resource_arn):
        return _tagged(self, resource_arn, "ListTagsForResource").tags

    for f in (tag_resource, untag_resource, list_tags_for_resource):
        setattr(EKSBackend, f.__name__, f)


def patch_ec2():
    """EC2: DeleteNatGateway leaves the NAT gateway's elastic IP associated and its network
    interface in place; AWS releases both when the gateway is deleted."""
    from moto.ec2.models.nat_gateways import NatGatewayBackend

    orig = NatGatewayBackend.delete_nat_gateway

    def delete_nat_gateway(self, nat_gateway_id):
        nat = orig(self, nat_gateway_id)
        eni = getattr(nat, "_eni", None)
        if eni is not None:
            for eip in self.addresses:
                if eip.eni is not None and eip.eni.id == eni.id:
                    eip.eni = None
                    eip.instance = None
                    eip.association_id = None
            try:
                self.delete_network_interface(eni.id)
            except Exception:
                pass
        return nat

    NatGatewayBackend.delete_nat_gateway = delete_nat_gateway


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--port", type=int, default=0)
    args = ap.parse_args()
    port = args.port or free_port()
    patch_elasticache()
    patch_rds()
    patch_s3()
    patch_eks()
    patch_eks_tags()
    patch_ec2()
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    url = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            urllib.request.urlopen(url + "/moto-api/", timeout=1).read()
            break
        except Exception:
            time.sleep(0.05)
    print(f"READY {url}", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
