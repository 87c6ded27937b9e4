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
    public void A_hang_fails() =>
        Assert.Contains("a hang",
            Assert.Throws<FailException>(() => LoadContract.Check(Path, () => Thread.Sleep(2000), "case", TimeSpan.FromMilliseconds(100))).Message);

    [Fact]
    public void An_allocation_sized_by_the_input_fails() =>
        Assert.Contains("a length from the input was trusted",
            Assert.Throws<FailException>(() => LoadContract.Check(Path, () => GC.KeepAlive(new byte[FuzzBudget.MaxAllocationPerCase + 1]), "case")).Message);
}
