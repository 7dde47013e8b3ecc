namespace TinyMLOps.Firmware.Core.Platform
{
    /// <summary>
    /// Flat file storage (the internal flash drive I:\ on a board, a folder on a virtual one). Names are
    /// plain file names. A write or an append is durable when the call returns; a power cut during the
    /// call may leave any prefix of it, which is what the callers' record formats are built for.
    /// </summary>
    public interface IStorage
    {
        bool Exists(string name);

        /// <summary>Length in bytes, or -1 when the file does not exist.</summary>
        int Length(string name);

        /// <summary>The whole file, or null when it does not exist.</summary>
        byte[] ReadAll(string name);

        /// <summary>Reads up to count bytes from offset; returns how many were read.</summary>
        int Read(string name, int offset, byte[] buffer, int bufferOffset, int count);

        /// <summary>Appends, creating the file if needed, and flushes.</summary>
        void Append(string name, byte[] data, int offset, int count);

        /// <summary>Replaces the file's contents and flushes. Not atomic: use <see cref="Rename"/> for that.</summary>
        void WriteAll(string name, byte[] data);

        /// <summary>Cuts the file to length bytes.</summary>
        void Truncate(string name, int length);

        void Delete(string name);

        /// <summary>Renames a file, replacing the target if it exists.</summary>
        void Rename(string from, string to);
    }
}
