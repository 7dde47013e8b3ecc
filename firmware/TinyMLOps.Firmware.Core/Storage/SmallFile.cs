using TinyMLOps.Firmware.Core.Platform;

namespace TinyMLOps.Firmware.Core.Storage
{
    /// <summary>
    /// A small file replaced as a whole: one framed record written to "name.tmp" and renamed over the file.
    /// A power cut leaves either the old or the new contents. A leftover temp file next to the file is an
    /// unfinished write and is ignored; a temp file alone means the rename was cut on a file system that
    /// deletes the target first, so the temp file (complete before the rename began) is the newest state.
    /// </summary>
    public static class SmallFile
    {
        public const int RecordType = 1;

        public static string TempName(string name)
        {
            return name + ".tmp";
        }

        public static void Write(IStorage storage, string name, byte[] body, int count)
        {
            string temp = TempName(name);
            storage.WriteAll(temp, RecordFormat.Frame(RecordType, body, count));
            storage.Rename(temp, name);
        }

        /// <summary>The body, or null when neither the file nor a usable temp file holds a valid record.</summary>
        public static byte[] Read(IStorage storage, string name)
        {
            string temp = TempName(name);
            if (!storage.Exists(name) && storage.Exists(temp))
            {
                storage.Rename(temp, name);
            }

            byte[] body = ReadRecord(storage, name);
            if (storage.Exists(temp))
            {
                storage.Delete(temp);
            }

            return body;
        }

        private static byte[] ReadRecord(IStorage storage, string name)
        {
            if (!storage.Exists(name))
            {
                return null;
            }

            RecordReader reader = new RecordReader(storage, name, RecordFormat.MaxBody);
            if (!reader.Next() || reader.Type != RecordType)
            {
                return null;
            }

            byte[] body = new byte[reader.BodyLength];
            System.Array.Copy(reader.Buffer, 4, body, 0, body.Length);
            return body;
        }
    }
}
