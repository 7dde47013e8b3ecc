namespace TinyMLOps.Console.Commands.Serve;

/// <summary>
/// The host's broker password: from `--password-file` (owner-readable file), else `--password` (visible in the process
/// list, kept for compatibility), else the environment variable <see cref="Variable"/>; null when none is set.
/// </summary>
internal static class HostSecret
{
    public const string Variable = "TINYMLOPS_HOST_PASSWORD";

    public static string? Resolve(string? flag, FileInfo? file, Func<string, string?> environment)
    {
        if (flag != null && file != null)
        {
            throw new ArgumentException("give the host password once: --password-file or --password, not both");
        }

        if (file != null)
        {
            if (!file.Exists)
            {
                throw new FileNotFoundException($"--password-file {file.FullName} does not exist");
            }

            string secret = File.ReadAllText(file.FullName).TrimEnd('\r', '\n');
            return secret.Length > 0 ? secret : throw new ArgumentException($"--password-file {file.FullName} is empty");
        }

        if (flag != null)
        {
            return flag.Length > 0 ? flag : throw new ArgumentException("--password is empty");
        }

        string? fromEnvironment = environment(Variable);
        return string.IsNullOrEmpty(fromEnvironment) ? null : fromEnvironment;
    }
}
