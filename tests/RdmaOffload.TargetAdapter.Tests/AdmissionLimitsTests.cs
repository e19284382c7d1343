using RdmaOffload.TargetAdapter.Correlation;

namespace RdmaOffload.TargetAdapter.Tests;

public sealed class AdmissionLimitsTests
{
    [Test]
    public void Target_controlled_applies_the_adapter_cap_and_the_host_grant()
    {
        Assert.Multiple(() =>
        {
            Assert.That(AdmissionLimits.ConnectionLimit(AdmissionMode.TargetControlled, slots: 256, targetCap: 10, hostGrants: [0]), Is.EqualTo(10));
            Assert.That(AdmissionLimits.ConnectionLimit(AdmissionMode.TargetControlled, slots: 256, targetCap: 10, hostGrants: [4]), Is.EqualTo(4));
            Assert.That(AdmissionLimits.ConnectionLimit(AdmissionMode.TargetControlled, slots: 8, targetCap: 10, hostGrants: [0]), Is.EqualTo(8));
        });
    }

    [Test]
    public void Server_priority_ignores_the_adapter_cap_but_not_the_slots()
    {
        Assert.Multiple(() =>
        {
            Assert.That(AdmissionLimits.ConnectionLimit(AdmissionMode.ServerPriority, slots: 256, targetCap: 10, hostGrants: [100]), Is.EqualTo(100));
            Assert.That(AdmissionLimits.ConnectionLimit(AdmissionMode.ServerPriority, slots: 256, targetCap: 10, hostGrants: [0]), Is.EqualTo(256));
            Assert.That(AdmissionLimits.ConnectionLimit(AdmissionMode.ServerPriority, slots: 64, targetCap: 10, hostGrants: [1000]), Is.EqualTo(64));
            Assert.That(AdmissionLimits.ConnectionLimit(AdmissionMode.ServerPriority, slots: 256, targetCap: 10, hostGrants: [50, 20]), Is.EqualTo(20));
        });
    }

    [Test]
    public void Limit_never_exceeds_the_slots_nor_a_nonzero_grant([Random(1, 300, 20)] int slots, [Random(0, 400, 3)] int grant)
    {
        foreach (var mode in Enum.GetValues<AdmissionMode>())
        {
            var limit = AdmissionLimits.ConnectionLimit(mode, slots, targetCap: 200, hostGrants: [(uint)grant]);
            Assert.That(limit, Is.InRange(1, slots));
            if (grant != 0)
            {
                Assert.That(limit, Is.LessThanOrEqualTo(grant));
            }
        }
    }
}
