using Reproduction;
using Xunit.Sdk;

namespace Repro.Tests.Fuzz;

/// <summary>The fuzz oracle itself: each way of breaking the contract is reported, and a proper refusal is not.</summary>
public sealed class LoadContractTests
{
    private const string Path = "/data/model.safetensors";

    [Fact]
    public void A_refusal_naming_the_file_is_returned() =>
        Assert.Equal($"{Path}: bad", LoadContract.Check(Path, () => throw ReproException.ForFile(Path, "bad"), "case"));

    [Fact]
    public void A_load_that_succeeds_returns_null() => Assert.Null(LoadContract.Check(Path, () => { }, "case"));

    [Fact]
    public void Another_exception_type_fails() =>
        Assert.Contains("IndexOutOfRangeException instead of ReproException",
            Assert.Throws<FailException>(() => LoadContract.Check(Path, () => throw new IndexOutOfRangeException(), "case")).Message);

    [Fact]
    public void A_message_that_does_not_name_the_file_fails() =>
        Assert.Contains("does not start with the path",
            Assert.Throws<FailException>(() => LoadContract.Check(Path, () => throw new ReproException("bad"), "case")).Message);

    [Fact]
    public void A_load_that_spins_past_its_cpu_budget_fails_as_a_hang()
    {
        bool stop = false;
        try
        {
            Assert.Contains("a hang", Assert.Throws<FailException>(() =>
                LoadContract.Check(Path, () => { while (!Volatile.Read(ref stop)) { } }, "case", TimeSpan.FromMilliseconds(200))).Message);
        }
        finally { Volatile.Write(ref stop, true); }                                  // end the spinning thread
    }

    [Fact]
    public void A_load_that_waits_without_working_is_no_hang() =>
        Assert.Null(LoadContract.Check(Path, () => Thread.Sleep(500), "case", TimeSpan.FromMilliseconds(200)));

    [Fact]
    public void An_allocation_sized_by_the_input_fails() =>
        Assert.Contains("a length from the input was trusted",
            Assert.Throws<FailException>(() => LoadContract.Check(Path, () => GC.KeepAlive(new byte[FuzzBudget.MaxAllocationPerCase + 1]), "case")).Message);
}
