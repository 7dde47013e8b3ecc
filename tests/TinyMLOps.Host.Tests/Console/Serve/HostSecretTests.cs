using TinyMLOps.Console.Commands.Serve;

namespace TinyMLOps.Host.Tests.Console.Serve;

public sealed class HostSecretTests
{
    [Fact]
    public void A_password_file_wins_over_the_environment_and_loses_its_trailing_newline()
    {
        string file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, "from-file\n");
            Assert.Equal("from-file", HostSecret.Resolve(null, new FileInfo(file), _ => "from-env"));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void Without_a_flag_or_a_file_the_environment_variable_gives_it_and_else_there_is_none()
    {
        Assert.Equal("from-env", HostSecret.Resolve(null, null, v => v == HostSecret.Variable ? "from-env" : null));
        Assert.Null(HostSecret.Resolve(null, null, _ => null));
        Assert.Null(HostSecret.Resolve(null, null, _ => string.Empty));
    }

    [Fact]
    public void An_empty_or_missing_file_is_one_clear_error()
    {
        string file = Path.GetTempFileName();
        try
        {
            Assert.Contains("is empty", Assert.Throws<ArgumentException>(() => HostSecret.Resolve(null, new FileInfo(file), _ => null)).Message);
        }
        finally
        {
            File.Delete(file);
        }

        Assert.Contains("does not exist", Assert.Throws<FileNotFoundException>(() => HostSecret.Resolve(null, new FileInfo(file), _ => null)).Message);
    }
}
