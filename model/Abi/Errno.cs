namespace AnonVma.Model.Abi;

/// <summary>The errno values these calls can return; numbers match asm-generic/errno-base.h.</summary>
public enum Errno
{
    EPERM = 1, ESRCH = 3, EBADF = 9, EAGAIN = 11, ENOMEM = 12, EACCES = 13, EFAULT = 14, EEXIST = 17, EINVAL = 22, EOVERFLOW = 75, EOPNOTSUPP = 95,
}
