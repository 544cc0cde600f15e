"""lvslab: the lvs.cluster test lab (User-Mode Linux guests with a real IPVS kernel)."""
