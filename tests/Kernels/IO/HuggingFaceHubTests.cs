using Reproduction;
using Reproduction.IO;

namespace Repro.Tests.IO;

public sealed class HuggingFaceHubTests
{
    [Theory]
    [InlineData("Qwen/Qwen3-0.6B", "config.json", "main", "https://huggingface.co/Qwen/Qwen3-0.6B/resolve/main/config.json")]
    [InlineData("Qwen/Qwen3-0.6B", "model.safetensors", "c1899de289a04d12100db370d81485cdf75e47ca", "https://huggingface.co/Qwen/Qwen3-0.6B/resolve/c1899de289a04d12100db370d81485cdf75e47ca/model.safetensors")]
    [InlineData("org/repo", "sub dir/file.json", "refs/pr/1", "https://huggingface.co/org/repo/resolve/refs%2Fpr%2F1/sub%20dir/file.json")]
    public void Resolve_urls_have_the_hub_shape(string repo, string file, string revision, string expected)
    {
        Assert.Equal(expected, HuggingFaceHub.ResolveUrl(repo, file, revision).AbsoluteUri);
    }

    [Fact]
    public void Another_endpoint_can_be_given_explicitly()
    {
        Assert.Equal("http://127.0.0.1:8080/a/b/resolve/main/x.json", HuggingFaceHub.ResolveUrl("a/b", "x.json", endpoint: "http://127.0.0.1:8080/").AbsoluteUri);
    }

    [Theory]
    [InlineData("noslash", "f")]
    [InlineData("a/b/c", "f")]
    [InlineData("a/..", "f")]
    [InlineData("a/b", "../f")]
    [InlineData("a/b", "")]
    public void Bad_repositories_and_paths_are_refused(string repo, string file)
    {
        Assert.Throws<ReproException>(() => HuggingFaceHub.ResolveUrl(repo, file));
    }
}
