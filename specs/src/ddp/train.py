"""Entry point: train on every GPU of every instance (the container launches one worker per GPU)."""


def main(epochs: int = 1, batch_size: int = 32, lr: str = "0.01") -> None:
    import torch
    import torch.distributed as dist

    dist.init_process_group("nccl")
    model = torch.nn.Linear(4, 2).cuda()
    ddp = torch.nn.parallel.DistributedDataParallel(model)
    optimiser = torch.optim.SGD(ddp.parameters(), lr=float(lr))
    for _ in range(epochs):
        x = torch.randn(batch_size, 4).cuda()
        loss = ddp(x).pow(2).mean()
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
    dist.destroy_process_group()
